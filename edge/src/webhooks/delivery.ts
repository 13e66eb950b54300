// The `webhooks` queue's consumer: POSTs each delivery to its endpoint, signed (signature.ts).
// Its own queue and consumer, so a slow or failing endpoint never delays mail; within a batch each
// delivery waits for its own endpoint only. Endpoints see at-least-once delivery: `webhook-id` is
// the same on every retry so they can drop duplicates.
import type { ClientEvent, EventType } from "../../../shared/events.ts";
import { log } from "../log.ts";
import type { QueuedMessage, WebhookDelivery } from "../queue-messages.ts";
import { WebhookTargetRefused } from "./resolve-host.ts";
import { signWebhook } from "./signature.ts";
import { checkWebhookUrl } from "./url-policy.ts";

/** The body an endpoint receives, in the Standard Webhooks shape:
 * `{ "type": "message.created", "timestamp": "<event time, ISO 8601>", "data": { "cursor": 42, "message": {…} } }`
 * `data` is the event's data plus its `cursor`, with which the integrator can catch up through the
 * events API after an outage (GET /api/v1/events?since=<cursor>). */
export interface WebhookPayload {
  type: EventType;
  timestamp: string;
  data: { cursor: number } & Record<string, unknown>;
}

export const webhookLimits = {
  /** A slow endpoint costs at most this per attempt. */
  timeoutMs: 10_000,
  /** Attempts before giving up: with the backoff below, about a day. */
  maxAttempts: 30,
  /** Workers queue a 7th outgoing request of one invocation until one of six others has its
   * response headers; without a limit of our own, deliveries waiting there would use up their
   * timeout before being sent. */
  inFlight: 6,
};

export const WEBHOOK_USER_AGENT = "edgemail-webhooks/1";

export interface WebhookConsumerOptions {
  fetch: typeof fetch;
  allowPrivate: boolean;
  /** Whether the delivery is still owed: false once its webhook is gone (deleted, its key revoked, the
   * password changed), so what was queued before that never leaves. Unknown (it throws): retried. */
  stillWanted(delivery: WebhookDelivery): Promise<boolean>;
  /** The endpoint answered 410 Gone, or its URL is no longer allowed: its owner should disable the
   * webhook. A failure here is logged; the delivery is acknowledged all the same. */
  onGone(delivery: WebhookDelivery, reason: string): Promise<void>;
  timeoutMs?: number;
}

export function webhookPayload(event: ClientEvent): WebhookPayload {
  return { type: event.type, timestamp: event.at, data: { ...event.data, cursor: event.cursor } };
}

/** Seconds before attempt `attempts + 1`: 30 s, 1 min, 2 min … doubling up to an hour, each
 * shortened by up to a quarter at random so endpoints that failed together are not retried in step
 * (and still strictly longer than the one before, until the cap). */
export function webhookRetryDelaySeconds(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);
  return Math.round(base * (1 - 0.25 * random()));
}

type Outcome = { kind: "delivered" } | { kind: "dropped" } | { kind: "gone"; reason: string } | { kind: "failed"; reason: string };

export async function consumeWebhooks(messages: QueuedMessage<WebhookDelivery>[], options: WebhookConsumerOptions): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let m = messages[next++]; m; m = messages[next++]) {
      // Anything unexpected (a malformed secret) fails this delivery only, never the batch.
      const outcome = await attempt(m.body, options).catch((e: unknown): Outcome => ({ kind: "failed", reason: String(e) }));
      await settle(m, outcome, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(webhookLimits.inFlight, messages.length) }, worker));
}

async function settle(m: QueuedMessage<WebhookDelivery>, outcome: Outcome, options: WebhookConsumerOptions): Promise<void> {
  const d = m.body;
  if (outcome.kind === "failed" && m.attempts < webhookLimits.maxAttempts) {
    m.retry(webhookRetryDelaySeconds(m.attempts));
    return;
  }
  m.ack();
  const about = { deliveryId: d.deliveryId, webhookId: d.webhookId, userId: d.userId, attempts: m.attempts };
  if (outcome.kind === "dropped") {
    log.info("webhook: removed since this delivery was queued; not sent", about);
  } else if (outcome.kind === "failed") {
    log.warn("webhook: giving up on a delivery", { ...about, reason: outcome.reason });
  } else if (outcome.kind === "gone") {
    await options.onGone(d, outcome.reason).catch((e: unknown) => {
      log.error("webhook: could not report a gone endpoint", { ...about, err: e });
    });
  }
}

async function attempt(d: WebhookDelivery, options: WebhookConsumerOptions): Promise<Outcome> {
  if (!(await options.stillWanted(d))) return { kind: "dropped" };
  // Registration checked the URL too; this catches a policy tightened since.
  const refused = checkWebhookUrl(d.url, options.allowPrivate);
  if (refused) return { kind: "gone", reason: `the URL ${refused}` };
  const body = JSON.stringify(webhookPayload(d.event));
  const timeoutMs = options.timeoutMs ?? webhookLimits.timeoutMs;
  let response: Response;
  try {
    response = await options.fetch(d.url, {
      method: "POST",
      headers: { ...(await signWebhook(d.secret, d.deliveryId, body)), "content-type": "application/json", "user-agent": WEBHOOK_USER_AGENT },
      body,
      // A redirect would send the signed event somewhere its owner did not register (and past the
      // URL policy): it counts as a failure.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // The fetch found the host resolving to a special-purpose address: as good as a refused URL.
    if (e instanceof WebhookTargetRefused) return { kind: "gone", reason: `the URL ${e.message}` };
    // AbortSignal.timeout rejects with a DOMException named TimeoutError.
    const timedOut = (e as { name?: unknown } | null)?.name === "TimeoutError";
    return { kind: "failed", reason: timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${String(e)}` };
  }
  // The answer's body means nothing to us; release the connection.
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return { kind: "delivered" };
  if (response.status === 410) return { kind: "gone", reason: "the endpoint answered 410 Gone" };
  return { kind: "failed", reason: `the endpoint answered ${response.status}` };
}
