// What preparing one spool entry yields, before a batch commits it: raw messages to store (packed
// with the rest of the batch), mailbox filings and remote deliveries that point at them by index.
import { createHash } from "node:crypto";
import type { FolderRole } from "../../../shared/api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7From } from "../../../shared/ids.ts";
import type { Filing } from "../store/filing.ts";
import type { NewDelivery } from "../store/outbound-queue.ts";
import type { ParsedAttachment, ParsedMail } from "./parse.ts";

export type PreparedFiling = Omit<Filing, "raw"> & { shard: string; rawIndex: number };
export type PreparedDelivery = Omit<NewDelivery, "rawKey" | "rawOffset" | "rawLength"> & { rawIndex: number };

export interface Prepared {
  raws: Buffer[];
  filings: PreparedFiling[];
  attachments: ParsedAttachment[];
  deliveries: PreparedDelivery[];
  /** Runs after the batch committed (e.g. removing the draft that was sent); returns the events it
   * recorded. */
  after?: () => Promise<CoreEvent[]>;
  /** Not ready (a shard is missing from the map): stays in the spool for the next start. */
  keep?: boolean;
}

/** The id a message gets in one user's mailbox: time-ordered by receipt, and the same every time the
 * same spool entry is filed for the same user (so refiling after a crash finds it already there). */
export function deliveryMessageId(entryId: string, receivedAt: number, userId: string): string {
  return uuidv7From(receivedAt, createHash("sha256").update(entryId).update("/").update(userId).digest());
}

export const attachmentKey = (sha256: string) => `att/sha256/${sha256}`;

export function filingOf(
  mail: ParsedMail,
  target: { userId: string; shard: string; messageId: string; folderRole: FolderRole; seen: boolean; receivedAt: number; size: number; rawIndex: number },
): PreparedFiling {
  return {
    ...target,
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    replyTo: mail.replyTo,
    subject: mail.subject,
    snippet: mail.snippet,
    sentAt: mail.sentAt,
    messageIdHeader: mail.messageIdHeader,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments.map((a, n) => ({
      attachmentId: String(n + 1),
      filename: a.filename,
      contentType: a.contentType,
      disposition: a.disposition,
      contentId: a.contentId,
      size: a.bytes.length,
      blobKey: attachmentKey(a.sha256),
    })),
  };
}
