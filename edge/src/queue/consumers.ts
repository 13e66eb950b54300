// The consumers of the sending queues. Nothing puts messages on `outgoing` any more (held sends wait in
// the user's hub: hub/held-sends.ts); its consumer drains what an older release left there.
// `outgoing`: hand each message to its sender's home core, which
// spools it; acknowledge only once the core has it. A core that refuses the message as invalid (4xx)
// sends it to `outgoing-errors` with the reason; one that cannot be reached means retry later. A held
// send ("undo send") is first claimed from the sender's hub: one the user cancelled is dropped (its
// body in R2 with it) without reaching the core, so its draft, if any, stays.
// `outgoing-errors`: record each failure with the core, where `npm run cli -- queue errors` lists it.
import { coreApi, type OutboundSubmission } from "../../../shared/internal-api.ts";
import { isProblem } from "../../../shared/problem.ts";
import { CoreClient } from "../core-client.ts";
import type { Platform } from "../platform.ts";
import type { OutgoingMessage, QueuedMessage } from "../queue-messages.ts";

/** 5 s, 10 s, 20 s … up to an hour between attempts while a core is unreachable. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(5 * 2 ** Math.max(0, attempts - 1), 3600);
}

/** Runs `handle` for every message of a batch: "ack" acknowledges it; "retry", no core
 * configured, or any error (an unreachable core, a storage hiccup) keeps it queued for later. */
async function eachMessage<T>(messages: QueuedMessage<T>[], platform: Platform, handle: (body: T, core: CoreClient) => Promise<"ack" | "retry">): Promise<void> {
  const core = platform.config.ok ? new CoreClient(platform.config.config, platform.fetch, `queue-${crypto.randomUUID()}`) : null;
  await Promise.all(
    messages.map(async (m) => {
      const outcome = core ? await handle(m.body, core).catch(() => "retry" as const) : "retry";
      if (outcome === "ack") m.ack();
      else m.retry(retryDelaySeconds(m.attempts));
    }),
  );
}

export async function consumeOutgoing(
  messages: QueuedMessage<OutgoingMessage>[],
  platform: Platform,
  sendError: (m: OutgoingMessage & { reason: string }) => Promise<void>,
): Promise<void> {
  await eachMessage(messages, platform, async (body, core) => {
    if (body.held && (await platform.hub(body.userId, body.region).claimHeldSend(body.messageId)) === "cancelled") {
      if (body.bodyKey) await platform.blobs(body.region).delete(body.bodyKey);
      return "ack";
    }
    const stored = body.submission ? null : body.bodyKey ? await platform.blobs(body.region).getText(body.bodyKey) : null;
    // What the edge stored itself; the core validates it all the same.
    const submission: OutboundSubmission | null = body.submission ?? (stored === null ? null : JSON.parse(stored));
    if (submission === null) {
      await sendError({ ...body, submission: undefined, reason: "the message's body is missing from storage" });
      return "ack";
    }
    const response = await core.call(body.region, coreApi.submit, { params: { userId: body.userId }, body: submission });
    if (response.ok) return "ack";
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      const problem: unknown = await response.json().catch(() => null);
      const reason = isProblem(problem) ? [problem.detail ?? problem.title, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)].join("; ") : `core answered ${response.status}`;
      await sendError({ ...body, submission: undefined, reason });
      return "ack";
    }
    return "retry";
  });
}

export async function consumeOutgoingErrors(messages: QueuedMessage<OutgoingMessage & { reason?: string }>[], platform: Platform): Promise<void> {
  await eachMessage(messages, platform, async (body, core) => {
    const response = await core.call(body.region, coreApi.queueError, {
      params: {},
      body: {
        id: `${body.messageId}:${body.reason ? "refused" : "dead-letter"}`,
        userId: body.userId,
        messageId: body.messageId,
        // Without a reason it came from the dead-letter route: every retry failed.
        reason: body.reason ?? "the sender's core could not take the message after every retry",
      },
    });
    return response.ok ? "ack" : "retry";
  });
}
