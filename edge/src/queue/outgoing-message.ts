// A message on the `outgoing` queue: who sends, which message, and where its body waits in R2 —
// never the body itself (queue messages are small; a message with its attachments is not).
export interface OutgoingMessage {
  v: 1;
  userId: string;
  region: string;
  messageId: string;
  /** R2 key of the OutboundSubmission JSON. */
  bodyKey: string;
}

export const outboxKey = (userId: string, messageId: string) => `outbox/${userId}/${messageId}.json`;
