// What still reads from a blob, across every shard of the region: a pack is shared by the mail of a
// whole batch (any user, any shard), an attachment by everyone who has the same file. Both lookups are
// index reads (migration 0008: messages_by_raw_key, attachments_by_blob).
import type { ShardDatabase } from "../shards.ts";

/** A message row pointing into a pack. */
export interface LiveRow {
  shard: ShardDatabase;
  userId: string;
  messageId: string;
  offset: number;
  length: number;
}

export async function liveRows(shards: ShardDatabase[], rawKey: string): Promise<LiveRow[]> {
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const { rows } = await shard.client.execute({ sql: "SELECT user_id, message_id, raw_offset, raw_length FROM messages WHERE raw_key = ?", args: [rawKey] });
      return rows.map((r) => ({ shard, userId: String(r.user_id), messageId: String(r.message_id), offset: Number(r.raw_offset), length: Number(r.raw_length) }));
    }),
  );
  return perShard.flat();
}

/** Whether any shard of the region has an attachment row naming `blobKey`. */
export async function attachmentReferenced(shards: ShardDatabase[], blobKey: string): Promise<boolean> {
  const found = await Promise.all(
    shards.map(async (shard) => (await shard.client.execute({ sql: "SELECT 1 FROM attachments WHERE blob_key = ? LIMIT 1", args: [blobKey] })).rows.length > 0),
  );
  return found.some(Boolean);
}
