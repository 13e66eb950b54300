// Before a message is accepted for sending: the daily quota (recipients per UTC day, which protects
// the service's IP reputation) and the Idempotency-Key (the same key never sends twice). Both live in
// the sender's shard and change in one transaction, for the API and SMTP submission alike.
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@libsql/client";
import { and, eq, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { uuidv7, uuidv7Time } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { idempotencyKeys, messages, sendCounters, shardSchema } from "./shard-schema.ts";
import type { Queryable, ShardDatabase } from "./shards.ts";

const KEY_LIFETIME_MS = 24 * 3_600_000;

export interface Reservation {
  messageId: string;
  /** A request with this Idempotency-Key was accepted before: nothing new is sent. */
  duplicate: boolean;
}

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

function secondsToNextUtcDay(now: number): number {
  const next = new Date(now);
  next.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((next.getTime() - now) / 1000));
}

export class QuotaExceededError extends ProblemError {
  readonly retryAfterSeconds: number;

  constructor(limit: number, retryAfterSeconds: number) {
    super("tooManyRequests", `The daily sending limit of ${limit} recipients is reached; it resets at 00:00 UTC.`, {
      headers: { "retry-after": String(retryAfterSeconds) },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

type Request = { idempotencyKey?: string; requestHash: string; recipients: number };

/** Reservations waiting for their shard's next transaction. */
interface Pending {
  userId: string;
  request: Request;
  limit: number;
  now: number;
  resolve: (r: Reservation) => void;
  reject: (err: unknown) => void;
}

/** The reservations waiting for one connection's next transaction, and whether its loop runs. */
interface ReservationQueue {
  pending: Pending[];
  running: boolean;
  db: ShardDatabase["db"];
  ready: Promise<unknown>;
}

/** Per shard: reservations with an Idempotency-Key, and those without (see reserveSend). */
const queues = new WeakMap<ShardDatabase, { keyed: ReservationQueue; plain: ReservationQueue }>();

/** How long a reservation keeps trying while the pipeline thread holds the shard. */
const BUSY_GIVE_UP_MS = 30_000;

function queueOn(shard: ShardDatabase, synchronous: "FULL" | "NORMAL"): ReservationQueue {
  if (!shard.url.startsWith("file:")) return { pending: [], running: false, db: shard.db, ready: Promise.resolve() };
  // One connection (concurrency 1), so that the pragma holds for every transaction on it. No busy
  // timeout at all: even 1 ms is SQLite sleeping on this thread, every SMTP session with it, each
  // time the pipeline's filing holds the shard (hundreds of times a run); SQLITE_BUSY comes back at
  // once and commitReservations tries again on a timer.
  const client = createClient({ url: shard.url, timeout: 0, concurrency: 1 });
  shard.closers.push(() => client.close());
  return { pending: [], running: false, db: drizzle(client, { schema: shardSchema }), ready: client.execute(`PRAGMA synchronous=${synchronous}`) };
}

/** Reserves a send: checks and counts the daily quota, records the Idempotency-Key. Resolves once
 * committed. Reservations that arrive together (20 mail apps whose messages end at once) share one
 * transaction: libSQL's local calls are synchronous, so a commit per message would hold every SMTP
 * session of this thread for a sync each. Each still gets its own answer: one user's quota error
 * fails that reservation only.
 * The pipeline thread writes the same shard (filing Sent copies) from another connection. SQLite's
 * busy handler would wait for it by sleeping this thread, every SMTP session with it (and gives up
 * with SQLITE_BUSY after its timeout); so on a local file the reservations use connections of their
 * own that do not wait, and try again after a short timer, reservations that arrive meanwhile
 * joining the same transaction.
 * A reservation without an Idempotency-Key (SMTP submission) is committed without a sync of its own
 * (synchronous=NORMAL: it survives a crash of the process, as WAL keeps it; a power cut may forget
 * the last few counts of the daily quota, nothing else): the message's own sync is the spool's, and
 * two syncs in a row per message would halve what a mail app can submit. A key must outlive a power
 * cut too, or a retried request could send twice: those reservations are synced (FULL). */
export function reserveSend(shard: ShardDatabase, userId: string, request: Request, limit: number, now = Date.now()): Promise<Reservation> {
  let both = queues.get(shard);
  if (!both) {
    both = { keyed: queueOn(shard, "FULL"), plain: queueOn(shard, "NORMAL") };
    queues.set(shard, both);
  }
  const q = request.idempotencyKey === undefined ? both.plain : both.keyed;
  return new Promise((resolve, reject) => {
    q.pending.push({ userId, request, limit, now, resolve, reject });
    schedule(shard, q);
  });
}

/** Starts the queue's commit loop unless it runs; the turn's other reservations join it (setImmediate). */
function schedule(shard: ShardDatabase, q: ReservationQueue): void {
  if (q.running) return;
  q.running = true;
  setImmediate(() =>
    void commitReservations(shard, q).finally(() => {
      q.running = false;
      if (q.pending.length > 0) schedule(shard, q);
    }),
  );
}

const isBusy = (err: unknown) => /SQLITE_BUSY/.test(String((err as { code?: string }).code ?? "") + String((err as Error).message ?? ""));

async function commitReservations(shard: ShardDatabase, q: ReservationQueue): Promise<void> {
  try {
    await q.ready;
  } catch (err) {
    for (const p of q.pending.splice(0)) p.reject(err);
    return;
  }
  let busySince: number | null = null;
  let wait = 1;
  while (q.pending.length > 0) {
    const batch = q.pending.splice(0);
    let answers: Answer[] = [];
    try {
      await shard.writeLock.run(() =>
        q.db.transaction(async (tx) => {
          if (batch.every((p) => p.request.idempotencyKey === undefined)) {
            answers = await reserveWithoutKeys(tx, batch);
            return;
          }
          for (const p of batch) {
            try {
              answers.push({ ok: await reserveIn(tx, p.userId, p.request, p.limit, p.now) });
            } catch (err) {
              // The request's own refusal (quota, a reused key), decided before it wrote anything.
              if (!(err instanceof ProblemError)) throw err;
              answers.push({ err });
            }
          }
        }),
      );
    } catch (err) {
      if (isBusy(err) && (busySince ??= Date.now()) > Date.now() - BUSY_GIVE_UP_MS) {
        q.pending.unshift(...batch);
        await sleep(wait);
        // A filing transaction lasts tens of ms: a short cap lets the reservation in soon after it
        // ends (each try is two statements), where a long one kept a mail app's 250 waiting.
        wait = Math.min(wait * 2, 5);
        continue;
      }
      for (const p of batch) p.reject(err);
      continue;
    }
    busySince = null;
    wait = 1;
    batch.forEach((p, i) => {
      const answer = answers[i]!;
      if ("ok" in answer) p.resolve(answer.ok);
      else p.reject(answer.err);
    });
  }
}

type Answer = { ok: Reservation } | { err: unknown };

/** Reservations without an Idempotency-Key (all of SMTP submission's), a transaction's batch at once:
 * one read of the counters they touch and one upsert of what they add, each decided in turn as
 * reserveIn decides it. Two drizzle statements per message cost the SMTP thread more than the
 * rest of accepting it. */
async function reserveWithoutKeys(tx: Queryable, batch: Pending[]): Promise<Answer[]> {
  const counters = new Map<string, { u: string; d: string; used: number; added: number }>();
  const counterOf = (p: Pending) => {
    const d = utcDay(p.now);
    const key = `${p.userId}/${d}`;
    let c = counters.get(key);
    if (!c) counters.set(key, (c = { u: p.userId, d, used: 0, added: 0 }));
    return c;
  };
  for (const p of batch) counterOf(p);
  const wanted = JSON.stringify([...counters.values()].map(({ u, d }) => ({ u, d })));
  const rows = await tx.all<{ user_id: string; day: string; recipients: number }>(
    sql`SELECT user_id, day, recipients FROM ${sendCounters} WHERE (user_id, day) IN (SELECT value->>'u', value->>'d' FROM json_each(${wanted}))`,
  );
  for (const r of rows) counters.get(`${r.user_id}/${r.day}`)!.used = Number(r.recipients);
  const answers = batch.map((p): Answer => {
    const c = counterOf(p);
    if (c.used + c.added + p.request.recipients > p.limit) return { err: new QuotaExceededError(p.limit, secondsToNextUtcDay(p.now)) };
    c.added += p.request.recipients;
    return { ok: { messageId: uuidv7(p.now), duplicate: false } };
  });
  const added = [...counters.values()].filter((c) => c.added > 0).map(({ u, d, added: n }) => ({ u, d, n }));
  if (added.length > 0) {
    await tx.run(
      sql`INSERT INTO ${sendCounters} (user_id, day, recipients) SELECT value->>'u', value->>'d', value->>'n' FROM json_each(${JSON.stringify(added)}) WHERE true
          ON CONFLICT (user_id, day) DO UPDATE SET recipients = send_counters.recipients + excluded.recipients`,
    );
  }
  return answers;
}

async function reserveIn(tx: Queryable, userId: string, request: Request, limit: number, now: number): Promise<Reservation> {
  if (request.idempotencyKey !== undefined) {
    await tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), lt(idempotencyKeys.createdAt, now - KEY_LIFETIME_MS)));
    const [seen] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, request.idempotencyKey)));
    if (seen) {
      if (seen.requestHash !== request.requestHash) {
        throw new ProblemError("unprocessable", "This Idempotency-Key was used for a different request; use a new key for a new message.", {
          errors: [{ field: "Idempotency-Key", message: "already used with another request" }],
        });
      }
      return { messageId: seen.messageId, duplicate: true };
    }
  }
  const day = utcDay(now);
  const [counter] = await tx
    .select({ recipients: sendCounters.recipients })
    .from(sendCounters)
    .where(and(eq(sendCounters.userId, userId), eq(sendCounters.day, day)));
  if ((counter?.recipients ?? 0) + request.recipients > limit) throw new QuotaExceededError(limit, secondsToNextUtcDay(now));
  await tx
    .insert(sendCounters)
    .values({ userId, day, recipients: request.recipients })
    .onConflictDoUpdate({ target: [sendCounters.userId, sendCounters.day], set: { recipients: sql`${sendCounters.recipients} + ${request.recipients}` } });
  const messageId = uuidv7(now);
  if (request.idempotencyKey !== undefined) {
    await tx.insert(idempotencyKeys).values({ userId, key: request.idempotencyKey, messageId, requestHash: request.requestHash, createdAt: now });
  }
  return { messageId, duplicate: false };
}

/** Gives back what a cancelled held send reserved of the daily quota: `recipients` of the UTC day
 * its id was minted (the day it was counted on), never below zero. The caller asks once per send. */
export async function releaseSend(shard: ShardDatabase, userId: string, messageId: string, recipients: number): Promise<number> {
  const day = utcDay(uuidv7Time(messageId));
  const rows = await shard.writeLock.run(() =>
    shard.db
      .update(sendCounters)
      .set({ recipients: sql`max(0, ${sendCounters.recipients} - ${recipients})` })
      .where(and(eq(sendCounters.userId, userId), eq(sendCounters.day, day)))
      .returning({ recipients: sendCounters.recipients }),
  );
  return rows.length;
}

export async function messageExists(shard: ShardDatabase, userId: string, messageId: string): Promise<boolean> {
  const [row] = await shard.db
    .select({ id: messages.messageId })
    .from(messages)
    .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
  return Boolean(row);
}
