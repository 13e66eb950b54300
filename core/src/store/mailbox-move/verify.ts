// Is the copy the mailbox? Each table's rows of the user are compared between source and target by
// count and by a checksum of their values in key order (less the columns the target numbers itself,
// and the raw ranges when the bytes moved to another bucket: those are compared by content). The
// target must also be whole on its own: each folder's total and unread match its messages, every
// message is in the search index, and every blob it names is in the target's bucket.
import { createHash } from "node:crypto";
import type { ResultSet } from "@libsql/client";
import type { BlobStore } from "../blobs.ts";
import type { ShardDatabase } from "../shards.ts";
import { CHUNK_ROWS, RAW_COLUMNS, TARGET_COLUMNS, USER_TABLES } from "./user-tables.ts";

export interface TableDigest {
  rows: number;
  sha256: string;
}

export type MailboxDigest = Record<string, TableDigest>;

const keyColumns = new Map<string, { all: string[]; key: string[] }>();

async function columnsOf(shard: ShardDatabase, table: string): Promise<{ all: string[]; key: string[] }> {
  const known = keyColumns.get(table);
  if (known) return known;
  const rs = await shard.client.execute(`PRAGMA table_info("${table}")`);
  const info = rs.rows.map((r) => ({ name: String(r.name), pk: Number(r.pk) }));
  const columns = { all: info.map((c) => c.name), key: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name) };
  keyColumns.set(table, columns);
  return columns;
}

/** Per table: the user's rows and a checksum of them. `sameBlobs`: false when the raw ranges were
 * rewritten into another bucket (they are then left out, and verifyBlobs compares the bytes). */
export async function mailboxDigest(shard: ShardDatabase, userId: string, options: { sameBlobs: boolean }): Promise<MailboxDigest> {
  const out: MailboxDigest = {};
  for (const table of USER_TABLES) {
    const { all, key } = await columnsOf(shard, table);
    const skip = new Set([...(TARGET_COLUMNS[table] ?? []), ...(table === "messages" && !options.sameBlobs ? RAW_COLUMNS : [])]);
    const cols = all.filter((c) => !skip.has(c));
    const hash = createHash("sha256");
    let rows = 0;
    let after: (string | number)[] | null = null;
    // Paged by key so that a large mailbox is never held at once.
    for (;;) {
      const page: string = after ? `AND (${key.map((k) => `"${k}"`).join(", ")}) > (${key.map(() => "?").join(", ")})` : "";
      const rs: ResultSet = await shard.client.execute({
        sql: `SELECT ${cols.map((c) => `"${c}"`).join(", ")} FROM "${table}" WHERE user_id = ? ${page} ORDER BY ${key.map((k) => `"${k}"`).join(", ")} LIMIT ${CHUNK_ROWS}`,
        args: [userId, ...(after ?? [])],
      });
      for (const r of rs.rows) hash.update(JSON.stringify(cols.map((_, i) => r[i] ?? null))).update("\n");
      rows += rs.rows.length;
      if (rs.rows.length < CHUNK_ROWS) break;
      const last = rs.rows.at(-1)!;
      after = key.map((k): string | number => last[cols.indexOf(k)] as string | number);
    }
    out[table] = { rows, sha256: hash.digest("hex") };
  }
  return out;
}

/** What is wrong with the target's copy on its own (empty: nothing). */
export async function checkCopy(shard: ShardDatabase, userId: string): Promise<string[]> {
  const problems: string[] = [];
  const folders = await shard.client.execute({
    sql: `SELECT f.folder_id, f.total, f.unread,
            (SELECT count(*) FROM messages m WHERE m.user_id = f.user_id AND m.folder_id = f.folder_id) AS counted,
            (SELECT count(*) FROM messages m WHERE m.user_id = f.user_id AND m.folder_id = f.folder_id AND m.seen = 0) AS counted_unread
          FROM folders f WHERE f.user_id = ?`,
    args: [userId],
  });
  for (const f of folders.rows) {
    if (Number(f.total) !== Number(f.counted) || Number(f.unread) !== Number(f.counted_unread)) {
      problems.push(`folder ${String(f.folder_id)}: total ${String(f.total)}/unread ${String(f.unread)}, but it holds ${String(f.counted)}/${String(f.counted_unread)}`);
    }
  }
  const indexed = await shard.client.execute({
    sql: "SELECT count(*) AS messages, count(s.rowid) AS indexed FROM messages m LEFT JOIN search_index s ON s.rowid = m.doc_id WHERE m.user_id = ?",
    args: [userId],
  });
  const { messages, indexed: inIndex } = indexed.rows[0]!;
  if (Number(messages) !== Number(inIndex)) problems.push(`search index: ${String(inIndex)} of ${String(messages)} messages indexed`);
  return problems;
}

/** The differences between two digests (empty: the copies are the same). */
export function compareDigests(source: MailboxDigest, target: MailboxDigest): string[] {
  return USER_TABLES.flatMap((t) => {
    const s = source[t]!;
    const d = target[t]!;
    if (s.rows !== d.rows) return [`${t}: ${s.rows} rows at the source, ${d.rows} at the target`];
    return s.sha256 === d.sha256 ? [] : [`${t}: the rows differ`];
  });
}

/** Every blob the target's rows name is in `blobs`; with `source`, each message's raw bytes are the
 * source's byte for byte (raw ranges were rewritten). */
export async function verifyBlobs(
  target: ShardDatabase,
  userId: string,
  blobs: BlobStore,
  source?: { shard: ShardDatabase; blobs: BlobStore },
): Promise<string[]> {
  const problems: string[] = [];
  const atts = await target.client.execute({ sql: "SELECT DISTINCT blob_key FROM attachments WHERE user_id = ?", args: [userId] });
  for (const r of atts.rows) if (!(await blobs.has(String(r.blob_key)))) problems.push(`attachment blob ${String(r.blob_key)} is missing`);
  const msgs = await target.client.execute({ sql: "SELECT message_id, raw_key, raw_offset, raw_length FROM messages WHERE user_id = ? ORDER BY message_id", args: [userId] });
  const sourceRanges = source
    ? new Map((await source.shard.client.execute({ sql: "SELECT message_id, raw_key, raw_offset, raw_length FROM messages WHERE user_id = ?", args: [userId] })).rows.map((r) => [String(r.message_id), r]))
    : null;
  for (const m of msgs.rows) {
    const bytes = await blobs.get(String(m.raw_key), { offset: Number(m.raw_offset), length: Number(m.raw_length) });
    if (!bytes || bytes.length !== Number(m.raw_length)) {
      problems.push(`message ${String(m.message_id)}: its raw bytes are missing`);
      continue;
    }
    const s = sourceRanges?.get(String(m.message_id));
    if (!s || !source) continue;
    const original = await source.blobs.get(String(s.raw_key), { offset: Number(s.raw_offset), length: Number(s.raw_length) });
    if (!original || Buffer.compare(Buffer.from(original), Buffer.from(bytes)) !== 0) problems.push(`message ${String(m.message_id)}: its raw bytes differ from the source's`);
  }
  return problems;
}
