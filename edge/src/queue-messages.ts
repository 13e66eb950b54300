// What the edge's queues carry, below the Platform that enqueues it and the consumers that take it.
// `outgoing`: who sends, which message, and its body — inline when small, else a reference to where
// it waits in R2 (queue messages hold at most 128 KB; a message with its attachments' references is
// usually a few KB, a long HTML newsletter is not). `webhooks`: one event for one webhook.
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

/** One event for one webhook, as the mailbox Durable Object enqueues it. */
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
