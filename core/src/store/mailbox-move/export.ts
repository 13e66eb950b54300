// Reading one user's mailbox out of a shard as a stream of records, table by table in chunks, each
// a plain JSON value: the same stream is imported into a shard of this region or sent to another
// region's core. It reads without a transaction across chunks: the move has quiesced the user first
// (mail deferred, API writes refused), and the copy is compared with its source before it is used.
import type { ShardDatabase } from "../shards.ts";
import { CHUNK_ROWS, USER_TABLES } from "./user-tables.ts";

export type MoveRow = Record<string, string | number | null>;

/** A chunk of one table's rows (every column, by name). */
export interface MoveRecord {
  table: string;
  rows: MoveRow[];
}

export async function* exportMailbox(shard: ShardDatabase, userId: string): AsyncGenerator<MoveRecord> {
  for (const table of USER_TABLES) {
    let after = -1;
    for (;;) {
      const rs = await shard.client.execute({
        sql: `SELECT rowid AS "__rowid", * FROM "${table}" WHERE user_id = ? AND rowid > ? ORDER BY rowid LIMIT ${CHUNK_ROWS}`,
        args: [userId, after],
      });
      if (rs.rows.length === 0) break;
      const rows = rs.rows.map((r) => {
        const row: MoveRow = {};
        rs.columns.forEach((c, i) => {
          if (c !== "__rowid") row[c] = plain(r[i]);
        });
        return row;
      });
      after = Number(rs.rows.at(-1)![0]);
      yield { table, rows };
      if (rs.rows.length < CHUNK_ROWS) break;
    }
  }
}

function plain(v: unknown): string | number | null {
  if (v === null || typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new Error(`a shard value of type ${typeof v} cannot be moved`);
}

/** The blob keys a user's rows name: raw message packs (ranges of them) and attachments. */
export function blobKeysOf(record: MoveRecord): string[] {
  if (record.table === "messages") return record.rows.map((r) => String(r.raw_key));
  if (record.table === "attachments") return record.rows.map((r) => String(r.blob_key));
  return [];
}
