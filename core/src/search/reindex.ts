// Rebuilding a user's part of the search index from their messages: after an upgrade that changes
// what is indexed (or mail filed before search existed), or to repair it. It runs beside a working
// core: chunk by chunk, each written in a transaction of its own that first checks the chunk's
// messages are still there, so mail filed, moved or deleted meanwhile stays exactly as its own
// transaction left the index. Attachments' text is read again from the blob store when one is given.
// An HTML-only body's text for snippets (message_bodies.html_text) is written too, for mail filed
// before it was kept.
import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { attachments, messageBodies, messages } from "../store/shard-schema.ts";
import type { ShardDatabase } from "../store/shards.ts";
import { attachmentText, mayHaveText } from "./attachment-text.ts";
import { allocateDocIds, docIdParam, userRange, userSearchInfo } from "../store/search-index/doc-ids.ts";
import { indexMessage, type SearchDocument } from "../store/search-index/document.ts";
import { removeDocuments, writeDocuments } from "../store/search-index/index-writes.ts";

const CHUNK = 500;

export interface ReindexOptions {
  /** Reads an attachment's bytes by blob key (null: attachments' text is not indexed). */
  readBlob?: ((key: string) => Promise<Uint8Array | null>) | null;
  onProgress?: (done: number, total: number) => void;
}

/** Rebuilds one user's documents; returns how many messages were indexed. */
export async function reindexUser(shard: ShardDatabase, userId: string, options: ReindexOptions = {}): Promise<number> {
  await giveDocIds(shard, userId);
  const info = await shard.writeLock.run(() => shard.db.transaction((tx) => userSearchInfo(tx, userId)));
  if (!info) return 0;
  const { lo, hi } = userRange(info.userNo);
  // Documents in the user's range whose message is gone (an index that outlived its rows).
  await shard.writeLock.run(() =>
    shard.db.run(sql`DELETE FROM search_index WHERE rowid BETWEEN ${docIdParam(lo)} AND ${docIdParam(hi)} AND rowid NOT IN (SELECT doc_id FROM messages WHERE doc_id BETWEEN ${lo} AND ${hi})`),
  );
  const [{ total } = { total: 0 }] = await shard.db.select({ total: sql<number>`count(*)` }).from(messages).where(eq(messages.userId, userId));
  let done = 0;
  let after = lo - 1;
  options.onProgress?.(0, total);
  for (;;) {
    const rows = await shard.db
      .select({
        messageId: messages.messageId,
        docId: messages.docId,
        subject: messages.subject,
        fromName: messages.fromName,
        fromAddress: messages.fromAddress,
        toJson: messages.toJson,
        ccJson: messages.ccJson,
        text: messageBodies.text,
        html: messageBodies.html,
      })
      .from(messages)
      .leftJoin(messageBodies, and(eq(messageBodies.userId, messages.userId), eq(messageBodies.messageId, messages.messageId)))
      .where(and(eq(messages.userId, userId), gt(messages.docId, after), sql`${messages.docId} <= ${hi}`))
      .orderBy(asc(messages.docId))
      .limit(CHUNK);
    if (rows.length === 0) break;
    after = rows.at(-1)!.docId!;
    const parts = await shard.db
      .select({ messageId: attachments.messageId, filename: attachments.filename, contentType: attachments.contentType, blobKey: attachments.blobKey })
      .from(attachments)
      .where(and(eq(attachments.userId, userId), inArray(attachments.messageId, rows.map((r) => r.messageId))))
      .orderBy(asc(attachments.messageId), sql`CAST(${attachments.attachmentId} AS INTEGER)`);
    const docs: { docId: number; messageId: string; doc: SearchDocument; htmlText: string | null }[] = [];
    for (const r of rows) {
      const mine = await Promise.all(
        parts
          .filter((a) => a.messageId === r.messageId)
          .map(async (a) => {
            const bytes = options.readBlob && mayHaveText(a.filename, a.contentType) ? await options.readBlob(a.blobKey) : null;
            return { filename: a.filename, text: bytes ? await attachmentText({ filename: a.filename, contentType: a.contentType, bytes }) : null };
          }),
      );
      const from = r.fromAddress !== null || r.fromName !== null ? { name: r.fromName ?? "", address: r.fromAddress ?? "" } : null;
      const { doc, htmlText } = indexMessage({ subject: r.subject, from, to: JSON.parse(r.toJson), cc: JSON.parse(r.ccJson), text: r.text ?? null, html: r.html ?? null, attachments: mine });
      docs.push({ docId: r.docId!, messageId: r.messageId, doc, htmlText });
    }
    await shard.writeLock.run(() =>
      shard.db.transaction(async (tx) => {
        const ids = docs.map((d) => d.docId);
        const now = await tx.select({ docId: messages.docId, messageId: messages.messageId }).from(messages).where(and(eq(messages.userId, userId), inArray(messages.docId, ids)));
        const still = new Set(now.map((r) => `${r.docId}/${r.messageId}`));
        const current = docs.filter((d) => still.has(`${d.docId}/${d.messageId}`));
        await removeDocuments(tx, current.map((d) => d.docId));
        await writeDocuments(tx, current);
        for (const d of current) {
          if (d.htmlText === null) continue;
          await tx.update(messageBodies).set({ htmlText: d.htmlText }).where(and(eq(messageBodies.userId, userId), eq(messageBodies.messageId, d.messageId)));
        }
      }),
    );
    done += rows.length;
    options.onProgress?.(Math.min(done, total), total);
  }
  return done;
}

/** Messages without a doc id (none are expected: filing and migration 0005 give every message one). */
async function giveDocIds(shard: ShardDatabase, userId: string): Promise<void> {
  for (;;) {
    const missing = await shard.db
      .select({ messageId: messages.messageId, receivedAt: messages.receivedAt })
      .from(messages)
      .where(and(eq(messages.userId, userId), isNull(messages.docId)))
      .limit(CHUNK);
    if (missing.length === 0) return;
    await shard.writeLock.run(() =>
      shard.db.transaction(async (tx) => {
        const docIds = await allocateDocIds(tx, missing.map((m) => ({ userId, ...m })));
        for (const m of missing) {
          await tx.update(messages).set({ docId: docIds.get(`${userId}/${m.messageId}`)! }).where(and(eq(messages.userId, userId), eq(messages.messageId, m.messageId), isNull(messages.docId)));
        }
      }),
    );
  }
}
