// "Deleted for good" true of the bytes too: whatever removes rows for good (a message deleted from
// Trash, a replaced draft, a deleted mailbox, a moved user's old copy) notes the blobs they named in
// the shard's blob_garbage, in the same transaction, for the hourly sweep (garbage.ts).
import { sql } from "drizzle-orm";
import type { Queryable } from "../shards.ts";

/** Notes blobs removed rows named. A key noted again is dated anew: the sweep waits from the last. */
export async function noteGarbage(q: Queryable, keys: readonly string[], now = Date.now()): Promise<void> {
  if (keys.length === 0) return;
  await q.run(
    sql`INSERT INTO blob_garbage (key, noted_at) SELECT DISTINCT value, ${now} FROM json_each(${JSON.stringify(keys)}) WHERE true
        ON CONFLICT (key) DO UPDATE SET noted_at = excluded.noted_at`,
  );
}

/** Notes every blob a user's rows name, before they are removed. */
export async function noteMailboxGarbage(q: Queryable, userId: string, now = Date.now()): Promise<void> {
  await q.run(
    sql`INSERT INTO blob_garbage (key, noted_at)
        SELECT key, ${now} FROM (SELECT raw_key AS key FROM messages WHERE user_id = ${userId} UNION SELECT blob_key FROM attachments WHERE user_id = ${userId}) WHERE true
        ON CONFLICT (key) DO UPDATE SET noted_at = excluded.noted_at`,
  );
}
