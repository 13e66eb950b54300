// The mailbox event log inside the shard. A change records its events in its own transaction: the
// user's seq is bumped on the mailbox row (which also serialises concurrent writers of one user), so
// seqs have no gaps and an event exists exactly when its change committed. The notifier only reads
// what committed; a reader that missed a notification catches up here by seq.
import { and, asc, eq, gt, gte, min, sql } from "drizzle-orm";
import type { CoreEvent, CoreEventType, EventDataOf } from "../../../shared/events.ts";
import type { CoreEventsPage } from "../../../shared/internal-api.ts";
import { events as eventLog, mailboxes } from "./shard-schema.ts";
import type { Queryable, ShardDatabase } from "./shards.ts";

/** An event before it is numbered. */
export type EventDraft = { [T in CoreEventType]: { type: T; data: EventDataOf<T> } }[CoreEventType];

/** What a mailbox change recorded: its events (to notify) and the user's seq after it. */
export interface Recorded {
  events: CoreEvent[];
  seq: number;
}

/** A mailbox change's own answer, with what it recorded. */
export type Change<T> = Recorded & { value: T };

/** Numbers `drafts` so that the last one gets `lastSeq` (the value the seq update returned). */
export function numberEvents(userId: string, lastSeq: number, drafts: EventDraft[], at: number): CoreEvent[] {
  const first = lastSeq - drafts.length + 1;
  return drafts.map((d, i) => ({ userId, seq: first + i, at, ...d }) as CoreEvent);
}

/** Inserts numbered events. The whole list is one JSON parameter that SQLite takes apart itself
 * (json_each): building a multi-row VALUES statement in JavaScript cost filing about as much as
 * writing the rows. */
export async function insertEvents(q: Queryable, list: CoreEvent[]): Promise<void> {
  if (list.length === 0) return;
  const rows = JSON.stringify(list.map((e) => ({ u: e.userId, s: e.seq, a: e.at, t: e.type, d: e.data })));
  await q.run(
    sql`INSERT INTO ${eventLog} (user_id, seq, at, type, data)
        SELECT value->>'u', value->>'s', value->>'a', value->>'t', value->'d' FROM json_each(${rows})`,
  );
}

/** Records one user's events inside the change's transaction `tx`. With no drafts (a change that
 * changed nothing) it only reads the seq. */
export async function recordEvents(tx: Queryable, userId: string, drafts: EventDraft[], at = Date.now()): Promise<Recorded> {
  if (drafts.length === 0) return { events: [], seq: await currentSeq(tx, userId) };
  const [row] = await tx
    .update(mailboxes)
    .set({ eventSeq: sql`${mailboxes.eventSeq} + ${drafts.length}` })
    .where(eq(mailboxes.userId, userId))
    .returning({ seq: mailboxes.eventSeq });
  // Every change found the user's rows first, in this transaction: a missing mailbox is a bug.
  if (!row) throw new Error(`no mailbox row for user ${userId} while recording events`);
  const events = numberEvents(userId, row.seq, drafts, at);
  await insertEvents(tx, events);
  return { events, seq: row.seq };
}

/** Records events that belong to no mailbox change (a security notice) in a transaction of their own. */
export async function recordEventsAlone(shard: ShardDatabase, userId: string, drafts: EventDraft[]): Promise<Recorded> {
  return shard.writeLock.run(() => shard.db.transaction((tx) => recordEvents(tx, userId, drafts)));
}

/** The user's latest seq (0 before the first event, or without a mailbox). */
export async function currentSeq(q: Queryable, userId: string): Promise<number> {
  const [row] = await q.select({ seq: mailboxes.eventSeq }).from(mailboxes).where(eq(mailboxes.userId, userId));
  return row?.seq ?? 0;
}

type EventRow = typeof eventLog.$inferSelect;

function toEvent(row: EventRow): CoreEvent {
  return { userId: row.userId, seq: row.seq, at: row.at, type: row.type, data: JSON.parse(row.data) } as CoreEvent;
}

/** Events with seq > `since`, oldest first, read in one transaction with the seq and the oldest
 * event still kept, so `gap` is exact. Null without a mailbox. */
export async function readEvents(shard: ShardDatabase, userId: string, since: number, limit: number): Promise<CoreEventsPage | null> {
  const [box, rows, oldest] = await shard.db.batch([
    shard.db.select({ seq: mailboxes.eventSeq }).from(mailboxes).where(eq(mailboxes.userId, userId)),
    shard.db
      .select()
      .from(eventLog)
      .where(and(eq(eventLog.userId, userId), gt(eventLog.seq, since)))
      .orderBy(asc(eventLog.seq))
      .limit(limit),
    shard.db.select({ seq: min(eventLog.seq) }).from(eventLog).where(eq(eventLog.userId, userId)),
  ]);
  const seq = box[0]?.seq;
  if (seq === undefined) return null;
  const firstKept = oldest[0]?.seq ?? seq + 1;
  // Pruning removes the oldest events, so what is kept is always seqs firstKept..seq. A reader ahead
  // of the core (its mailbox restored from an older backup) has to rebuild as well.
  const gap = since > seq || (since < seq && firstKept > since + 1);
  return { events: rows.map(toEvent), seq, gap };
}

/** Every event recorded at or after `since`, per user in seq order: what a restarted notifier pushes
 * again, since a crash between a commit and its notification must not lose the notification. */
export async function recentEvents(shard: ShardDatabase, since: number): Promise<CoreEvent[]> {
  // A range of the time index (a GROUP BY here would have SQLite scan every user's log instead);
  // each user's first seq in the window is taken from it.
  const recent = await shard.db.select({ userId: eventLog.userId, seq: eventLog.seq }).from(eventLog).where(gte(eventLog.at, since));
  const firsts = new Map<string, number>();
  for (const { userId, seq } of recent) firsts.set(userId, Math.min(seq, firsts.get(userId) ?? seq));
  const out: CoreEvent[] = [];
  for (const [userId, seq] of firsts) {
    // From the user's first event in the window on, by seq (not by time): a clock step backwards
    // must not leave a hole in what is pushed.
    const rows = await shard.db
      .select()
      .from(eventLog)
      .where(and(eq(eventLog.userId, userId), gte(eventLog.seq, seq)))
      .orderBy(asc(eventLog.seq));
    for (const row of rows) out.push(toEvent(row));
  }
  return out;
}

// Deleted in slices, so a large backlog of old events never holds the shard's write lock (and
// filing) for long.
const PRUNE_SLICE = 5000;

/** Forgets events recorded before `before`; returns how many. */
export async function pruneEvents(shard: ShardDatabase, before: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await shard.writeLock.run(async () => {
      const result = await shard.db.run(
        sql`DELETE FROM ${eventLog} WHERE rowid IN (SELECT rowid FROM ${eventLog} WHERE ${eventLog.at} < ${before} LIMIT ${PRUNE_SLICE})`,
      );
      return result.rowsAffected;
    });
    total += deleted;
    if (deleted < PRUNE_SLICE) return total;
  }
}
