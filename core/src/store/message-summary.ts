// A message row as the API lists it. One mapping for listings, single reads and the message.created
// event, so the edge's copy of a message looks the same however it got there.
import type { MailAddress, MessageSummary } from "../../../shared/api.ts";
import { messages } from "./shard-schema.ts";

export type MessageRow = typeof messages.$inferSelect;

/** The columns a summary is made of, for reads that need no more (a search's page): fewer columns
 * cross from SQLite to JavaScript. */
export const summaryColumns = {
  messageId: messages.messageId,
  folderId: messages.folderId,
  receivedAt: messages.receivedAt,
  fromName: messages.fromName,
  fromAddress: messages.fromAddress,
  toJson: messages.toJson,
  subject: messages.subject,
  snippet: messages.snippet,
  size: messages.size,
  seen: messages.seen,
  flagged: messages.flagged,
  hasAttachments: messages.hasAttachments,
  keywordsJson: messages.keywordsJson,
  threadId: messages.threadId,
};
export type SummaryRow = Pick<MessageRow, keyof typeof summaryColumns>;

export function parseAddresses(json: string): MailAddress[] {
  return JSON.parse(json) as MailAddress[];
}

export function toSummary(row: SummaryRow): MessageSummary {
  return {
    id: row.messageId,
    folderId: row.folderId,
    receivedAt: new Date(row.receivedAt).toISOString(),
    from: row.fromAddress !== null || row.fromName !== null ? { name: row.fromName ?? "", address: row.fromAddress ?? "" } : null,
    to: parseAddresses(row.toJson),
    subject: row.subject,
    snippet: row.snippet,
    size: row.size,
    read: row.seen,
    starred: row.flagged,
    hasAttachments: row.hasAttachments,
    keywords: JSON.parse(row.keywordsJson) as string[],
    threadId: row.threadId,
  };
}
