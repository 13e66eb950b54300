// A message on the `outgoing` queue: who sends, which message, and its body — inline when small,
// else a reference to where it waits in R2 (queue messages hold at most 128 KB; a message with its
// attachments' references is usually a few KB, a long HTML newsletter is not).
import type { OutboundSubmission } from "../../../shared/internal-api.ts";

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
