// A parsed message as the store files it. Every way mail enters a mailbox goes through it: delivered
// mail (the pipeline), drafts, DSNs and notices; the caller says where it goes and how it is flagged,
// and may add what it needs on its way (the pipeline's shard and raw index).
import type { FolderRole } from "../../../shared/api.ts";
import type { ParsedMail } from "../mail-format/parse.ts";
import { attachmentKey } from "../store/blobs.ts";
import type { Filing } from "../store/filing.ts";

export interface FilingTarget {
  userId: string;
  messageId: string;
  folderRole: FolderRole;
  seen: boolean;
  receivedAt: number;
  size: number;
}

export function filingOf<T extends FilingTarget>(mail: ParsedMail, target: T): Omit<Filing, "raw"> & T {
  return {
    ...target,
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    bcc: mail.bcc,
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
      risk: a.risk,
    })),
  };
}
