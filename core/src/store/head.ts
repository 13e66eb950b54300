// The head of a mailbox: its folders, the first inbox page and the seq they correspond to, read in
// one transaction. The edge's per-user Durable Object starts from this snapshot and applies the
// events after `seq`; read apart, a change between the reads would be applied twice or never.
import { and, asc, eq, sql } from "drizzle-orm";
import type { CoreHead } from "../../../shared/internal-api.ts";
import { inFolderOrder } from "./mailbox.ts";
import { toSummary } from "./message-summary.ts";
import { folders, mailboxes, messages } from "./shard-schema.ts";
import type { ShardDatabase } from "./shards.ts";

/** Null without a mailbox. */
export async function readHead(shard: ShardDatabase, userId: string, limit: number): Promise<CoreHead | null> {
  const inbox = sql`(SELECT ${folders.folderId} FROM ${folders} WHERE ${folders.userId} = ${userId} AND ${folders.role} = 'inbox')`;
  // A batch is one transaction; with only reads it holds no write lock and sees one snapshot.
  const [box, folderRows, messageRows] = await shard.db.batch([
    shard.db.select({ seq: mailboxes.eventSeq }).from(mailboxes).where(eq(mailboxes.userId, userId)),
    shard.db.select().from(folders).where(eq(folders.userId, userId)).orderBy(asc(folders.createdAt)),
    shard.db
      .select()
      .from(messages)
      .where(and(eq(messages.userId, userId), eq(messages.folderId, inbox)))
      .orderBy(sql`${messages.receivedAt} DESC`, sql`${messages.messageId} DESC`)
      .limit(limit + 1),
  ]);
  const seq = box[0]?.seq;
  if (seq === undefined) return null;
  return {
    seq,
    folders: inFolderOrder(folderRows),
    inbox: messageRows.slice(0, limit).map(toSummary),
    inboxHasMore: messageRows.length > limit,
  };
}
