// The DSN for recipients the delivery agent gave up on, filed in the sender's inbox as the pipeline
// files any mail: built from the original's header section, stored in R2, parsed and committed with
// its events. The delivery agent calls it through outbound-queue/bounce.ts's ReturnToSender.
import { createHash } from "node:crypto";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7From } from "../../../shared/ids.ts";
import { headerSection } from "../mail-format/raw-message.ts";
import type { ReturnToSender } from "../outbound-queue/bounce.ts";
import { buildDsn } from "../outbound-queue/dsn.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { Directory } from "../store/directory.ts";
import { fileMessages } from "../store/filing.ts";
import type { Shards } from "../store/shards.ts";
import { parseHeaders, parseMail } from "../mail-format/parse.ts";
import { filingOf } from "../mailbox/filing-of.ts";

export interface DsnFilerDeps {
  blobs: BlobStore;
  directory: Directory;
  shards: Shards;
  /** The reporting host the DSN names. */
  hostname: string;
  /** The delivery agent's clock, so that a test's schedule dates the DSN too. */
  clock?: () => number;
  /** The mailbox events of a filed DSN, after they committed. */
  onEvents?: (events: CoreEvent[]) => void;
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
    const key = `raw/dsn/${messageId}.eml`;
    await deps.blobs.put(key, dsn, "message/rfc822");
    const mail = await parseMail(dsn);
    const { rawIndex: _, shard: __, ...filing } = filingOf(mail, { userId: sender.id, shard: sender.shard, messageId, folderRole: "inbox", seen: false, receivedAt: clock(), size: dsn.length, rawIndex: 0 });
    const { events } = await fileMessages(deps.shards.get(sender.shard), [{ ...filing, raw: { key, offset: 0, length: dsn.length } }]);
    if (events.length > 0) deps.onEvents?.(events);
  };
}
