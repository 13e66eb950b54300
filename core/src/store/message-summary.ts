// A message row as the API lists it. One mapping for listings, single reads and the message.created
// event, so the edge's copy of a message looks the same however it got there.
import { sql, type SQL } from "drizzle-orm";
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

/** toSummary's object made by SQLite as JSON text, of the messages row `alias`, with `receivedAt` null
 * (summaryOfJson sets it: an ISO date is exactly JavaScript's). For reads of many rows that carry
 * nothing else of the row (a search's page): one column crosses to JavaScript instead of fourteen,
 * each of which the libSQL client copies onto its row with a property definition of its own, and the
 * addresses and keywords are not parsed as strings and again as JSON. */
export function summaryJsonSql(alias: string): SQL {
  const m = (column: string) => sql.raw(`${alias}.${column}`);
  // json(): a nested object, array or boolean, not a string holding one.
  return sql`json_object(
    'id', ${m("message_id")}, 'folderId', ${m("folder_id")}, 'receivedAt', NULL,
    'from', json(CASE WHEN ${m("from_address")} IS NULL AND ${m("from_name")} IS NULL THEN NULL ELSE json_object('name', coalesce(${m("from_name")}, ''), 'address', coalesce(${m("from_address")}, '')) END),
    'to', json(${m("to_json")}), 'subject', ${m("subject")}, 'snippet', ${m("snippet")}, 'size', ${m("size")},
    'read', json(iif(${m("seen")}, 'true', 'false')), 'starred', json(iif(${m("flagged")}, 'true', 'false')),
    'hasAttachments', json(iif(${m("has_attachments")}, 'true', 'false')),
    'keywords', json(${m("keywords_json")}), 'threadId', ${m("thread_id")})`;
}

/** The summary of summaryJsonSql's text and the row's received_at. */
export function summaryOfJson(json: string, receivedAt: number): MessageSummary {
  const summary = JSON.parse(json) as MessageSummary;
  summary.receivedAt = new Date(receivedAt).toISOString();
  return summary;
}
