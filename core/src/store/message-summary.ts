// A message row as the API lists it. One mapping for listings, single reads and the message.created
// event, so the edge's copy of a message looks the same however it got there.
import type { MailAddress, MessageSummary } from "../../../shared/api.ts";
import type { messages } from "./shard-schema.ts";

export type MessageRow = typeof messages.$inferSelect;

export function parseAddresses(json: string): MailAddress[] {
  return JSON.parse(json) as MailAddress[];
}

export function toSummary(row: MessageRow): MessageSummary {
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
