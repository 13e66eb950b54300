// The node's outbound delivery queue (queue-schema.ts): what is waiting, due, in flight, done.
import { and, asc, count, eq, gte, inArray, lte, min, notInArray, or, sql } from "drizzle-orm";
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { openDatabase, type Database } from "./libsql.ts";
import { deliveries, queueErrors, queueSchema } from "./queue-schema.ts";
import { WriteLock } from "./write-lock.ts";

export type Delivery = typeof deliveries.$inferSelect;
export type NewDelivery = Omit<Delivery, "state" | "attempts" | "lastReply" | "lastHost" | "updatedAt">;

/** In flight: claimed by the delivery runner. Only in memory of the process that claimed it; a
 * restart puts such rows back to due (the remote never answered 250 to a connection that died). */
export const SENDING = "sending";

/** See `record`: long enough that a busy agent commits many outcomes at a time, short beside an SMTP
 * transaction with a remote server. */
export const OUTCOME_LINGER_MS = 10;
const MAX_OUTCOMES_PER_COMMIT = 500;

type Outcome = { state: "delivered" | "deferred" | "bounced"; reply: string; host: string | null; nextAttemptAt?: number; attempted: boolean };

/** One statement for a whole group commit: the outcomes are one JSON parameter that SQLite takes
 * apart itself (json_each), as insertEvents does; a drizzle update per outcome cost the delivery
 * thread more than the SMTP transaction it records. */
function outcomesUpdate(part: { id: string; update: Outcome; now: number }[]) {
  const rows = JSON.stringify(
    part.map(({ id, update, now }) => ({ i: id, s: update.state, r: update.reply.slice(0, 2000), h: update.host, n: update.nextAttemptAt ?? null, a: update.attempted ? 1 : 0, t: now })),
  );
  return sql`UPDATE ${deliveries} SET
      state = o.value->>'s',
      last_reply = o.value->>'r',
      last_host = o.value->>'h',
      next_attempt_at = coalesce(o.value->>'n', ${deliveries.nextAttemptAt}),
      attempts = ${deliveries.attempts} + (o.value->>'a'),
      updated_at = o.value->>'t'
    FROM json_each(${rows}) AS o WHERE ${deliveries.id} = o.value->>'i'`;
}

/** An UPDATE … FROM applies one source row per target row: an id recorded twice in one commit (not
 * expected: a row is claimed again only after its outcome committed) goes into the next statement,
 * in the order recorded. */
function withUniqueIds<T extends { id: string }>(batch: T[]): T[][] {
  const parts: { ids: Set<string>; items: T[] }[] = [];
  for (const item of batch) {
    let part = parts.find((p) => !p.ids.has(item.id));
    if (!part) parts.push((part = { ids: new Set(), items: [] }));
    part.ids.add(item.id);
    part.items.push(item);
  }
  return parts.map((p) => p.items);
}

export class OutboundQueue {
  readonly #database: Database<typeof queueSchema>;
  readonly #lock = new WriteLock();
  /** Outcomes waiting for the next group commit, each with the promise its caller awaits. */
  #outcomes: { id: string; update: Outcome; now: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #committing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** How long the first outcome of a group commit waits for others (0: commit at once). */
  outcomeLingerMs = OUTCOME_LINGER_MS;

  /** The delivery agent's own writes: claims and outcomes (see `open`). */
  readonly #agent: { client: Client; db: LibSQLDatabase<typeof queueSchema> } | null;

  private constructor(database: Database<typeof queueSchema>, agent: { client: Client; db: LibSQLDatabase<typeof queueSchema> } | null) {
    this.#database = database;
    this.#agent = agent;
  }

  /** On a local file, claims and outcomes are written over a connection of their own without a sync
   * (synchronous=NORMAL: WAL keeps them through a crash of the process, a power cut may forget the
   * last ones). A claim needs no durability at all (a start puts every claimed row back), and an
   * outcome forgotten by a power cut means that recipient is tried again, a duplicate rather than a
   * loss, as with Postfix, which marks a recipient done without a sync. Mail taken into the queue
   * (`enqueue`) is synced, as before: the spool forgets it once it is here. */
  static async open(url: string, authToken?: string): Promise<OutboundQueue> {
    const database = await openDatabase(url, queueSchema, "queue", authToken);
    if (!url.startsWith("file:")) return new OutboundQueue(database, null);
    // One connection (concurrency 1), so that the pragma holds for all its writes; writes of both
    // connections take this queue's write lock, so they never wait on each other in SQLite.
    const client = createClient({ url, concurrency: 1, timeout: 10_000 });
    await client.execute("PRAGMA synchronous=NORMAL");
    return new OutboundQueue(database, { client, db: drizzle(client, { schema: queueSchema }) });
  }

  get #db() {
    return this.#database.db;
  }

  get #agentDb() {
    return this.#agent?.db ?? this.#database.db;
  }

  close(): void {
    this.#agent?.client.close();
    this.#database.client.close();
  }

  /** Adds recipients; a recipient already queued for the same message is left as it is (idempotent). */
  async enqueue(rows: NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    // The batch's rows as one JSON parameter (json_each), as the outcomes are: drizzle's multi-row
    // VALUES cost the pipeline thread more than SQLite's insert.
    const json = JSON.stringify(
      rows.map((r) => ({ i: r.id, m: r.messageId, u: r.userId, s: r.sender, r: r.recipient, d: r.domain, n: r.nextAttemptAt, k: r.rawKey, o: r.rawOffset, l: r.rawLength, c: r.createdAt, e: r.expiresAt })),
    );
    await this.#lock.run(() =>
      this.#db.run(
        sql`INSERT INTO ${deliveries} (id, message_id, user_id, sender, recipient, domain, state, attempts, next_attempt_at, raw_key, raw_offset, raw_length, created_at, expires_at, updated_at)
            SELECT value->>'i', value->>'m', value->>'u', value->>'s', value->>'r', value->>'d', 'queued', 0, value->>'n', value->>'k', value->>'o', value->>'l', value->>'c', value->>'e', ${now}
            FROM json_each(${json}) WHERE true ON CONFLICT DO NOTHING`,
      ),
    );
  }

  /** Rows left in flight by a process that died go back to the queue, due now. */
  async releaseInFlight(now: number): Promise<number> {
    const released = await this.#lock.run(() =>
      this.#db
        .update(deliveries)
        .set({ state: "deferred", nextAttemptAt: now, updatedAt: now })
        .where(eq(deliveries.state, SENDING as "queued"))
        .returning({ id: deliveries.id }),
    );
    return released.length;
  }

  /** Takes up to `limit` due rows and marks them in flight; rows for `skipDomains` (destinations that
   * already have all the work they can take) stay queued for a later claim. */
  async claimDue(now: number, limit: number, skipDomains: readonly string[] = []): Promise<Delivery[]> {
    return this.#lock.run(() =>
      this.#agentDb.transaction(async (tx) => {
        const due = await tx
          .select()
          .from(deliveries)
          .where(
            and(
              inArray(deliveries.state, ["queued", "deferred"]),
              lte(deliveries.nextAttemptAt, now),
              skipDomains.length > 0 ? notInArray(deliveries.domain, [...skipDomains]) : undefined,
            ),
          )
          .orderBy(asc(deliveries.nextAttemptAt))
          .limit(limit);
        if (due.length > 0) {
          await tx
            .update(deliveries)
            .set({ state: SENDING as "queued", updatedAt: now })
            .where(inArray(deliveries.id, due.map((d) => d.id)));
        }
        return due;
      }),
    );
  }

  /** Records a recipient's outcome; resolves once it is committed. Outcomes are group-committed: the
   * first starts a short wait (`outcomeLingerMs`), and every outcome recorded meanwhile, or while a
   * commit runs, shares one transaction (libSQL's local calls are synchronous: each transaction holds
   * the agent's thread). The wait widens the window in which a kill -9 forgets a delivery that the
   * remote server already took (it is sent again on the next start) by those milliseconds. */
  record(id: string, update: Outcome, now: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#outcomes.push({ id, update, now, resolve, reject });
      this.#scheduleCommit();
    });
  }

  /** Commits the outcomes recorded so far without waiting out the linger (on stop). */
  async flushOutcomes(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#committing || this.#outcomes.length > 0) await (this.#committing ?? this.#commitOutcomes());
  }

  #scheduleCommit(): void {
    if (this.#committing) return; // the running commit looks again when it is done
    if (this.#outcomes.length >= MAX_OUTCOMES_PER_COMMIT || this.outcomeLingerMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#commitOutcomes();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.#commitOutcomes();
      }, this.outcomeLingerMs);
    }
  }

  #commitOutcomes(): Promise<void> {
    const batch = this.#outcomes.splice(0, MAX_OUTCOMES_PER_COMMIT);
    this.#committing = (async () => {
      try {
        await this.#lock.run(() =>
          this.#agentDb.transaction(async (tx) => {
            for (const part of withUniqueIds(batch)) await tx.run(outcomesUpdate(part));
          }),
        );
        for (const o of batch) o.resolve();
      } catch (err) {
        for (const o of batch) o.reject(err);
      } finally {
        this.#committing = null;
        if (this.#outcomes.length > 0) this.#scheduleCommit();
      }
    })();
    return this.#committing;
  }

  /** Which of `rawKeys` a delivery not yet made reads its message from (the blob sweep keeps them). */
  async pendingRawKeys(rawKeys: string[]): Promise<Set<string>> {
    const pending = new Set<string>();
    for (let i = 0; i < rawKeys.length; i += 500) {
      const rows = await this.#db
        .selectDistinct({ rawKey: deliveries.rawKey })
        .from(deliveries)
        .where(and(inArray(deliveries.state, ["queued", "deferred", SENDING as "queued"]), inArray(deliveries.rawKey, rawKeys.slice(i, i + 500))));
      for (const r of rows) pending.add(r.rawKey);
    }
    return pending;
  }

  /** Forgets delivered and bounced recipients finished before `before` (they stay listable a while);
   * those sent with an SRS sender only once they were also created before `srsBefore`. */
  async prune(before: number, srsBefore: number): Promise<number> {
    const removed = await this.#lock.run(() =>
      this.#db
        .delete(deliveries)
        .where(
          and(
            inArray(deliveries.state, ["delivered", "bounced"]),
            lte(deliveries.updatedAt, before),
            or(sql`upper(substr(${deliveries.sender}, 1, 5)) not in ('SRS0=', 'SRS1=')`, lte(deliveries.createdAt, srsBefore)),
          ),
        )
        .returning({ id: deliveries.id }),
    );
    return removed.length;
  }

  /** Whether mail left this node with `sender` as its envelope sender (without case) since `since`. */
  async sentWithSender(sender: string, since: number): Promise<boolean> {
    const [row] = await this.#db
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(sql`lower(${deliveries.sender}) = lower(${sender})`, gte(deliveries.createdAt, since)))
      .limit(1);
    return row !== undefined;
  }

  async get(id: string): Promise<Delivery | null> {
    const [row] = await this.#db.select().from(deliveries).where(eq(deliveries.id, id));
    return row ?? null;
  }

  async list(limit = 500): Promise<Delivery[]> {
    return this.#db.select().from(deliveries).orderBy(asc(deliveries.createdAt)).limit(limit);
  }

  /** Depth per state and the age of the oldest message still waiting, for metrics. */
  async stats(now: number): Promise<{ depth: Record<string, number>; oldestWaitingAgeSeconds: number }> {
    const rows = await this.#db.select({ state: deliveries.state, n: count() }).from(deliveries).groupBy(deliveries.state);
    const [oldest] = await this.#db
      .select({ createdAt: min(deliveries.createdAt) })
      .from(deliveries)
      .where(inArray(deliveries.state, ["queued", "deferred", SENDING as "queued"]));
    return {
      depth: Object.fromEntries(rows.map((r) => [r.state, r.n])),
      oldestWaitingAgeSeconds: oldest?.createdAt ? Math.max(0, (now - oldest.createdAt) / 1000) : 0,
    };
  }

  async addError(e: { id: string; userId: string; messageId: string; reason: string }): Promise<void> {
    await this.#lock.run(() => this.#db.insert(queueErrors).values({ ...e, createdAt: Date.now() }).onConflictDoNothing());
  }

  async listErrors(limit = 500) {
    return this.#db.select().from(queueErrors).orderBy(asc(queueErrors.createdAt)).limit(limit);
  }
}
