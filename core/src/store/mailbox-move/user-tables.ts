// What a mailbox is made of in a shard: every table of shard-schema.ts holds rows of one user each
// (user_id is the first key column), so a user's whole mailbox is those rows — the search index aside,
// which is contentless (migration 0005) and is rebuilt at the target with the target's doc ids. A table
// added to the schema is moved as soon as it is listed in shardSchema: nothing here names its columns.
import { getTableName } from "drizzle-orm";
import { shardSchema } from "../shard-schema.ts";

/** The user-owned tables, in import order: the mailbox row first (the index rebuild numbers it). */
export const USER_TABLES: string[] = Object.values(shardSchema)
  .map((t) => getTableName(t))
  .sort((a, b) => (a === "mailboxes" ? -1 : b === "mailboxes" ? 1 : 0));

/** Columns the target gives values of its own: the mailbox's number and date skew in the shard's
 * search index, a message's doc id (search-index/doc-ids.ts), and the snippet text an index rebuild
 * may fill in for mail filed before it was kept. They are left out of the comparison of the copies. */
export const TARGET_COLUMNS: Record<string, readonly string[]> = {
  mailboxes: ["user_no", "search_skew"],
  messages: ["doc_id"],
  message_bodies: ["html_text"],
};

/** Where a message's raw bytes are: they move with it when the target has another bucket. */
export const RAW_COLUMNS = ["raw_key", "raw_offset", "raw_length"] as const;

/** Rows read or written per statement. */
export const CHUNK_ROWS = 500;
