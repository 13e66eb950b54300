// Doc ids: the rowid of a message in the search index (messages.doc_id). A shard's index holds many
// users; the doc id puts each user's messages in a range of their own, ordered by receive time:
//
//   doc_id = user_no · 2^33 + the second it was received (+ a little when that second is taken)
//
// so a query says `rowid BETWEEN` the user's range (bound as integers: docIdParam) and FTS5 seeks
// straight to it: other users' mail, however much of it has the same words, costs nothing. Within the
// range rowid order is date order, so "newest first" is FTS5 walking its doclists backwards and
// stopping at the page's end, however many messages match; a date filter narrows the range. Seconds
// (not ms) keep doc ids below 2^53, a safe JavaScript number: 20 bits of user (a million mailboxes per
// shard) and 33 of time (to 2242).
import { sql } from "drizzle-orm";
import type { Queryable } from "../shards.ts";

export const USER_SPAN = 2 ** 33;
const MAX_USER_NO = 2 ** 20 - 1;

/** The doc id range of one user's messages. */
export function userRange(userNo: number): { lo: number; hi: number } {
  return { lo: userNo * USER_SPAN, hi: (userNo + 1) * USER_SPAN - 1 };
}

/** A doc id as an SQL parameter of a query on the index: an integer. A JavaScript number is bound as
 * a REAL, and FTS5 then does not seek to a `rowid BETWEEN` range of REALs but reads the phrase's
 * whole doclist, every user's (the newest 51 hits of a phrase in 2.7 ms of CPU, against 0.33 ms with
 * integers; a word only other users have, 3.6 against 0.5 ms). Plain tables' indexes seek either way. */
export function docIdParam(docId: number): bigint {
  return BigInt(docId);
}

export function secondOf(ms: number): number {
  return Math.min(Math.max(Math.floor(ms / 1000), 0), USER_SPAN - 1);
}

export interface UserSearchInfo {
  userNo: number;
  /** See mailboxes.search_skew. */
  skew: number;
}

/** The user's number and skew; a mailbox without a number (made before search) gets the next one. */
export async function userSearchInfo(q: Queryable, userId: string): Promise<UserSearchInfo | null> {
  const [row] = await q.all<{ user_no: number | null; search_skew: number }>(
    sql`SELECT user_no, search_skew FROM mailboxes WHERE user_id = ${userId}`,
  );
  if (!row) return null;
  if (row.user_no !== null) return { userNo: row.user_no, skew: row.search_skew };
  const [numbered] = await q.all<{ user_no: number }>(
    sql`UPDATE mailboxes SET user_no = (SELECT coalesce(max(user_no), 0) + 1 FROM mailboxes) WHERE user_id = ${userId} RETURNING user_no`,
  );
  if (numbered!.user_no > MAX_USER_NO) throw new Error(`shard has numbered ${MAX_USER_NO} mailboxes: the search index has no room for more`);
  return { userNo: numbered!.user_no, skew: row.search_skew };
}

export interface NewMessage {
  userId: string;
  messageId: string;
  receivedAt: number;
}

/** The first doc id at or after `from` that no message of the user has and `used` does not hold. */
async function firstFree(q: Queryable, from: number, hi: number, used: Set<number>): Promise<number> {
  let at = from;
  for (;;) {
    const rows = await q.all<{ doc_id: number }>(sql`SELECT doc_id FROM messages WHERE doc_id >= ${at} AND doc_id <= ${hi} ORDER BY doc_id LIMIT 512`);
    const taken = new Set(rows.map((r) => r.doc_id));
    for (const u of used) if (u >= at) taken.add(u);
    while (taken.has(at)) at++;
    if (rows.length < 512 || at <= rows.at(-1)!.doc_id) return at;
  }
}

/**
 * Doc ids for messages about to be filed, inside the filing's transaction (keyed `userId/messageId`).
 * Mail arrives in time order nearly always: a message no older than the user's newest takes its own
 * second, or the one after the newest doc id when that second is taken (a burst), one index read per
 * user and batch. An older message (a late refiling) looks for the first free second from its own.
 */
export async function allocateDocIds(q: Queryable, list: NewMessage[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const byUser = new Map<string, NewMessage[]>();
  for (const m of list) byUser.set(m.userId, [...(byUser.get(m.userId) ?? []), m]);
  for (const [userId, mine] of byUser) {
    const info = await userSearchInfo(q, userId);
    if (!info) continue;
    const { lo, hi } = userRange(info.userNo);
    const [newest] = await q.all<{ doc_id: number; received_at: number }>(
      sql`SELECT doc_id, received_at FROM messages WHERE doc_id BETWEEN ${lo} AND ${hi} ORDER BY doc_id DESC LIMIT 1`,
    );
    let newestDoc = newest?.doc_id ?? lo - 1;
    let newestAt = newest?.received_at ?? -Infinity;
    let skew = info.skew;
    const used = new Set<number>();
    mine.sort((a, b) => a.receivedAt - b.receivedAt || (a.messageId < b.messageId ? -1 : 1));
    for (const m of mine) {
      const wanted = lo + secondOf(m.receivedAt);
      const docId = m.receivedAt >= newestAt ? Math.max(wanted, newestDoc + 1) : await firstFree(q, wanted, hi, used);
      if (docId > hi) throw new Error(`no doc id left for user ${userId}`);
      used.add(docId);
      if (docId > newestDoc) {
        newestDoc = docId;
        newestAt = Math.max(newestAt, m.receivedAt);
      }
      skew = Math.max(skew, docId - wanted);
      out.set(`${userId}/${m.messageId}`, docId);
    }
    if (skew > info.skew) await q.run(sql`UPDATE mailboxes SET search_skew = ${skew} WHERE user_id = ${userId}`);
  }
  return out;
}
