// The DSN for recipients the delivery agent gave up on: built from the original's header section, then
// filed in the sender's inbox by the mailbox service (stored in R2, parsed, committed with its events,
// published). The delivery agent calls it through outbound-queue/bounce.ts's ReturnToSender.
import { createHash } from "node:crypto";
import { uuidv7From } from "../../../shared/ids.ts";
import { headerSection } from "../mail-format/raw-message.ts";
import type { ReturnToSender } from "../outbound-queue/bounce.ts";
import { buildDsn } from "../outbound-queue/dsn.ts";
import type { MailboxService } from "../mailbox/service.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { Directory } from "../store/directory.ts";
import { parseHeaders } from "../mail-format/parse.ts";

export interface DsnFilerDeps {
  blobs: BlobStore;
  directory: Directory;
  mailbox: Pick<MailboxService, "fileOwnMessage">;
  /** The reporting host the DSN names. */
  hostname: string;
  /** The delivery agent's clock, so that a test's schedule dates the DSN too. */
  clock?: () => number;
}

export function dsnFiler(deps: DsnFilerDeps): ReturnToSender {
  const clock = deps.clock ?? Date.now;
  return async (bounced) => {
    const { row } = bounced[0]!;
    const sender = await deps.directory.userById(row.userId);
    if (!sender) return; // the sender's account is gone: nobody to tell
    const original = await deps.blobs.get(row.rawKey, { offset: row.rawOffset, length: row.rawLength });
    const originalMail = original ? await parseHeaders(original) : null;
    const dsn = buildDsn({
      reportingHost: deps.hostname,
      sender: row.sender,
      originalMessageId: originalMail?.messageIdHeader ?? null,
      originalSubject: originalMail?.subject ?? "",
      originalHeaders: original ? headerSection(Buffer.from(original)) : "",
      arrivalDate: row.createdAt,
      failed: bounced.map((b) => b.failure),
      now: clock(),
    });
    const seed = createHash("sha256");
    for (const b of bounced) seed.update(b.row.id).update(String(b.row.attempts));
    // Derived from the bounced rows, so filing it again after a crash finds it already there.
    const messageId = uuidv7From(row.createdAt, seed.digest());
    await deps.mailbox.fileOwnMessage(sender, dsn, `raw/dsn/${messageId}.eml`, { messageId, folderRole: "inbox", seen: false, receivedAt: clock() });
  };
}
