// Writing a user's exported rows into another shard. The import starts by removing whatever an
// earlier, interrupted attempt left there, so running it again is always safe: until the directory
// points at the target, the target's copy is nobody's and may be thrown away. Each chunk is one
// transaction. The search index is not copied (it is contentless and its doc ids are the shard's
// own): the target numbers the mailbox anew and rebuilds the user's documents (rebuildIndex).
import { sql } from "drizzle-orm";
import { removeUserDocuments } from "../search-index/index-writes.ts";
import { settleWal } from "../libsql.ts";
import type { Queryable, ShardDatabase } from "../shards.ts";
import type { MoveRecord } from "./export.ts";
import { TARGET_COLUMNS, USER_TABLES } from "./user-tables.ts";

/** Rebuilds one user's search documents in a shard (search/reindex.ts reindexUser, given by the
 * caller: the store does not reach up into search/). */
export type RebuildIndex = (shard: ShardDatabase, userId: string) => Promise<unknown>;

/** Removes every row of the user from the shard, their search documents first, leaving none of their
 * bytes in the files (a moved user's old copy is not kept in a region that is no longer their home). */
export async function removeCopy(shard: ShardDatabase, userId: string): Promise<void> {
  await shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      // Deleted cells are zeroed rather than left in the pages' free space.
      await tx.run(sql`PRAGMA secure_delete = ON`);
      await removeUserDocuments(tx, userId);
      for (const table of USER_TABLES) await tx.run(sql`DELETE FROM ${sql.identifier(table)} WHERE user_id = ${userId}`);
    }),
  );
  await settleWal(shard.url, shard.client);
}

async function insertRows(q: Queryable, record: MoveRecord): Promise<void> {
  if (record.rows.length === 0) return;
  const reset = TARGET_COLUMNS[record.table] ?? [];
  const columns = Object.keys(record.rows[0]!);
  const names = sql.join(columns.map((c) => sql.identifier(c)), sql`, `);
  // The rows travel as one JSON parameter that SQLite takes apart itself, as writeDocuments does.
  const values = sql.join(
    columns.map((c) => (reset.includes(c) ? (c === "search_skew" ? sql`0` : sql`NULL`) : sql`value->>${`$."${c}"`}`)),
    sql`, `,
  );
  await q.run(sql`INSERT INTO ${sql.identifier(record.table)} (${names}) SELECT ${values} FROM json_each(${JSON.stringify(record.rows)})`);
}

export interface ImportOptions {
  rebuildIndex: RebuildIndex;
  /** Changes a chunk before it is written: the blob copy rewrites raw ranges into the target's bucket. */
  transform?: (record: MoveRecord) => Promise<MoveRecord>;
  onRows?: (rows: number) => void;
}

/** Replaces the user's copy in `shard` with the exported `records`; returns the rows written. */
export async function importMailbox(shard: ShardDatabase, userId: string, records: AsyncIterable<MoveRecord>, options: ImportOptions): Promise<number> {
  await removeCopy(shard, userId);
  let written = 0;
  for await (const exported of records) {
    if (!USER_TABLES.includes(exported.table)) throw new Error(`the export names a table the shard does not have: ${exported.table}`);
    if (exported.rows.some((r) => r.user_id !== userId)) throw new Error(`the export of ${userId} holds another user's rows (${exported.table})`);
    const record = options.transform ? await options.transform(exported) : exported;
    await shard.writeLock.run(() => shard.db.transaction((tx) => insertRows(tx, record)));
    written += record.rows.length;
    options.onRows?.(written);
  }
  await options.rebuildIndex(shard, userId);
  return written;
}
