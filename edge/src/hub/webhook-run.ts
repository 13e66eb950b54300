// The hub's alarm delivers the webhook deliveries that are due from its outbox (webhooks.ts) with the
// same consumer the webhooks queue had (webhooks/delivery.ts: signing, timeout, backoff, giving up
// after about a day, 410 Gone): its ack settles the row, its retry moves the row's next_at.
import type { QueuedMessage, WebhookDelivery } from "../queue-messages.ts";
import { consumeWebhooks, webhookLimits, type WebhookConsumerOptions } from "../webhooks/delivery.ts";
import type { Webhooks } from "./webhooks.ts";

/** Two rounds of the consumer's requests in flight: a run waits at most two timeouts of slow
 * endpoints, so the alarm is soon free again for the next held send. */
const BATCH = webhookLimits.inFlight * 2;
/** Longer than a run can take: an attempt that never finished (the process died) is made again then. */
const LEASE_MS = 60_000;

/** Delivers up to a batch of what is due; what remains is owed at Webhooks.nextDue(). */
export async function deliverDueWebhooks(hooks: Webhooks, options: WebhookConsumerOptions, now = Date.now()): Promise<void> {
  const due = hooks.due(now, BATCH);
  if (due.length === 0) return;
  hooks.lease(due.map((d) => d.delivery.deliveryId), now + LEASE_MS);
  const messages: QueuedMessage<WebhookDelivery>[] = due.map(({ delivery, attempts }) => ({
    body: delivery,
    // As a queue counts them: 1 on the first attempt.
    attempts: attempts + 1,
    ack: () => hooks.settled(delivery.deliveryId),
    retry: (delaySeconds) => hooks.retryAt(delivery.deliveryId, Date.now() + delaySeconds * 1000),
  }));
  await consumeWebhooks(messages, options);
}
