// The node's outbound delivery queue (queue-schema.ts): what is waiting, due, in flight, done.
import { and, asc, count, eq, gte, inArray, lte, min, or, sql } from "drizzle-orm";
import { openDatabase, type Database } from "./libsql.ts";
import { deliveries, queueErrors, queueSchema } from "./queue-schema.ts";
import { WriteLock } from "./write-lock.ts";

export type Delivery = typeof deliveries.$inferSelect;
export type NewDelivery = Omit<Delivery, "state" | "attempts" | "lastReply" | "lastHost" | "updatedAt">;

/** In flight: claimed by the delivery runner. Only in memory of the process that claimed it; a
 * restart puts such rows back to due (the remote never answered 250 to a connection that died). */
export const SENDING = "sending";

type Outcome = { state: "delivered" | "deferred" | "bounced"; reply: string; host: string | null; nextAttemptAt?: number; attempted: boolean };

export class OutboundQueue {
  readonly #database: Database<typeof queueSchema>;
  readonly #lock = new WriteLock();
  /** Outcomes waiting for the next group commit, each with the promise its caller awaits. */
  #outcomes: { id: string; update: Outcome; now: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #committing = false;

  private constructor(database: Database<typeof queueSchema>) {
    this.#database = database;
  }

  static async open(url: string, authToken?: string): Promise<OutboundQueue> {
    return new OutboundQueue(await openDatabase(url, queueSchema, "queue", authToken));
  }

  get #db() {
    return this.#database.db;
  }

  close(): void {
    this.#database.client.close();
  }

  /** Adds recipients; a recipient already queued for the same message is left as it is (idempotent). */
  async enqueue(rows: NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    await this.#lock.run(() =>
      this.#db
        .insert(deliveries)
        .values(rows.map((r) => ({ ...r, state: "queued" as const, attempts: 0, updatedAt: now })))
        .onConflictDoNothing(),
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

  /** Takes up to `limit` due rows and marks them in flight. */
  async claimDue(now: number, limit: number): Promise<Delivery[]> {
    return this.#lock.run(() =>
      this.#db.transaction(async (tx) => {
        const due = await tx
          .select()
          .from(deliveries)
          .where(and(inArray(deliveries.state, ["queued", "deferred"]), lte(deliveries.nextAttemptAt, now)))
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

  /** Records a recipient's outcome; resolves once it is committed. Outcomes recorded while a commit
   * runs share the next one (group commit), so a busy agent pays one sync for many recipients. */
  record(id: string, update: Outcome, now: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#outcomes.push({ id, update, now, resolve, reject });
      if (!this.#committing) void this.#commitOutcomes();
    });
  }

  async #commitOutcomes(): Promise<void> {
    this.#committing = true;
    while (this.#outcomes.length > 0) {
      const batch = this.#outcomes;
      this.#outcomes = [];
      try {
        await this.#lock.run(() =>
          this.#db.transaction(async (tx) => {
            for (const { id, update, now } of batch) {
              await tx
                .update(deliveries)
                .set({
                  state: update.state,
                  lastReply: update.reply.slice(0, 2000),
                  lastHost: update.host,
                  ...(update.nextAttemptAt !== undefined ? { nextAttemptAt: update.nextAttemptAt } : {}),
                  attempts: update.attempted ? sql`${deliveries.attempts} + 1` : deliveries.attempts,
                  updatedAt: now,
                })
                .where(eq(deliveries.id, id));
            }
          }),
        );
        for (const o of batch) o.resolve();
      } catch (err) {
        for (const o of batch) o.reject(err);
      }
    }
    this.#committing = false;
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
