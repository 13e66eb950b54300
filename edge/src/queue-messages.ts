// What the edge's queues carried, and their consumers still take from what an older release enqueued
// (held sends and webhook deliveries now wait in the user's hub, whose storage `npm start` keeps):
// `outgoing`: who sends, which message, and its body — inline when small, else a reference to where
// it waits in R2. `webhooks`: one event for one webhook, which the hub's outbox holds in the same shape.
// Also the inline limit of a held send's body, and where a larger one waits in R2.
import type { OutboundSubmission } from "../../shared/internal-api.ts";
import type { ClientEvent } from "../../shared/events.ts";

export interface OutgoingMessage {
  v: 1;
  userId: string;
  region: string;
  messageId: string;
  /** The OutboundSubmission itself, when it is small… */
  submission?: OutboundSubmission;
  /** …or the R2 key of its JSON. */
  bodyKey?: string;
  /** Held for "undo send": the queue delays it, and the user's hub says whether it may still go. */
  held?: true;
}

/** Submissions up to this size (as JSON) travel inside the queue message. */
export const INLINE_LIMIT_BYTES = 96 * 1024;

export const outboxKey = (userId: string, messageId: string) => `outbox/${userId}/${messageId}.json`;

/** One event for one webhook, as the mailbox Durable Object stages it (hub/webhooks.ts). */
export interface WebhookDelivery {
  /** Stable across retries: sent as webhook-id. */
  deliveryId: string;
  userId: string;
  webhookId: string;
  url: string;
  secret: string;
  event: ClientEvent;
}

/** One message of a queue batch as the consumers see it: Cloudflare's Message reduced to what they
 * use, so a consumer runs on any runtime (and under Node in tests) without the Workers types. */
export interface QueuedMessage<T> {
  body: T;
  attempts: number;
  ack(): void;
  retry(delaySeconds: number): void;
}
