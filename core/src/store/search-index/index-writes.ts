// Writing the search index, always inside the transaction that changes the messages themselves, so
// a message is searchable exactly when it is visible and gone from the index when it is gone. So the
// index is a store role, as blobs and metadata are; search/ reads it (queries, highlights, reindex).
import { sql } from "drizzle-orm";
import type { Queryable } from "../shards.ts";
import { SEARCH_COLUMNS, type SearchDocument } from "./document.ts";

/** Documents per statement are bounded by their size: the whole list travels as one JSON parameter
 * that SQLite takes apart itself (json_each), as insertEvents does. */
const MAX_STATEMENT_CHARS = 4 * 1024 * 1024;

const columns = sql.raw(SEARCH_COLUMNS.join(", "));
const values = sql.raw(SEARCH_COLUMNS.map((c) => `value->>'${c}'`).join(", "));

export async function writeDocuments(q: Queryable, docs: { docId: number; doc: SearchDocument }[]): Promise<void> {
  let part: object[] = [];
  let chars = 0;
  const flush = async () => {
    if (part.length === 0) return;
    await q.run(sql`INSERT INTO search_index (rowid, ${columns}) SELECT value->>'rowid', ${values} FROM json_each(${JSON.stringify(part)})`);
    part = [];
    chars = 0;
  };
  for (const { docId, doc } of docs) {
    part.push({ rowid: docId, ...doc });
    chars += SEARCH_COLUMNS.reduce((n, c) => n + doc[c].length, 0);
    if (chars >= MAX_STATEMENT_CHARS) await flush();
  }
  await flush();
}

/** Removes documents by doc id (a doc id with no document is no error). */
export async function removeDocuments(q: Queryable, docIds: number[]): Promise<void> {
  for (let i = 0; i < docIds.length; i += 500) {
    await q.run(sql`DELETE FROM search_index WHERE rowid IN (SELECT value FROM json_each(${JSON.stringify(docIds.slice(i, i + 500))}))`);
  }
}

/** Removes every document of a user (their messages still in place): before the mailbox goes, and
 * before a rebuild. */
export async function removeUserDocuments(q: Queryable, userId: string): Promise<void> {
  await q.run(sql`DELETE FROM search_index WHERE rowid IN (SELECT doc_id FROM messages WHERE user_id = ${userId} AND doc_id IS NOT NULL)`);
}
