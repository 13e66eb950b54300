// The learned spam model in storage. The global model (every user's reports) lives in the region's
// directory database; each user's own training lives in their shard, beside their mail. Learning
// writes deltas (a token's counts go up, or down when a verdict is taken back); the pipeline keeps the
// global model in memory and reads only the rows changed since its last look.
import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { BayesModel, type BayesDelta } from "./bayes-model.ts";
import type { Directory } from "./directory.ts";
import { spamModel, spamTotals } from "./directory-schema.ts";
import { mailboxes, spamTokens } from "./shard-schema.ts";
import type { Queryable } from "./shards.ts";

// SQLite's limit of bound parameters per statement is 32,766; four per row.
const ROWS_PER_STATEMENT = 1000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The global model as the pipeline holds it, refreshed from the rows changed since it last read. */
export class GlobalSpamModel {
  readonly model = new BayesModel();
  #since = -1;
  #readAt = 0;
  readonly #directory: Directory;
  readonly #refreshMs: number;

  constructor(directory: Directory, refreshMs = 5000) {
    this.#directory = directory;
    this.#refreshMs = refreshMs;
  }

  /** Reads what changed (everything, the first time); at most every `refreshMs`. */
  async current(now = Date.now()): Promise<BayesModel> {
    if (now - this.#readAt < this.#refreshMs) return this.model;
    this.#readAt = now;
    const db = this.#directory.database;
    const [totals] = await db.select().from(spamTotals).where(eq(spamTotals.id, 1));
    const rows = await db
      .select({ token: spamModel.token, spam: spamModel.spam, ham: spamModel.ham, updatedAt: spamModel.updatedAt })
      .from(spamModel)
      .where(gt(spamModel.updatedAt, this.#since));
    // A row read is the token's whole count now: apply the difference from what is held.
    const delta: BayesDelta = {
      nspam: (totals?.nspam ?? 0) - this.model.nspam,
      nham: (totals?.nham ?? 0) - this.model.nham,
      rows: rows.map((r) => ({ token: r.token, spam: r.spam - this.model.spamOf(r.token), ham: r.ham - this.model.hamOf(r.token) })),
    };
    this.model.apply(delta);
    for (const r of rows) if (r.updatedAt > this.#since) this.#since = r.updatedAt;
    return this.model;
  }
}

/** Adds a learned delta to the global model. `now` orders the change for the pipelines' refresh;
 * it is never earlier than what is stored, so no reader misses it. */
export async function learnGlobal(directory: Directory, delta: BayesDelta, now = Date.now()): Promise<void> {
  const db = directory.database;
  await db.transaction(async (tx) => {
    const [last] = await tx.select({ at: sql<number>`coalesce(max(${spamModel.updatedAt}), 0)` }).from(spamModel);
    const at = Math.max(now, (last?.at ?? 0) + 1);
    for (const part of chunks(delta.rows, ROWS_PER_STATEMENT)) {
      // Counts add the delta as it is (negative when a verdict is taken back); a count that would go
      // below zero (a token learned before the model was reset) is then raised to zero.
      await tx
        .insert(spamModel)
        .values(part.map((r) => ({ token: r.token, spam: r.spam, ham: r.ham, updatedAt: at })))
        .onConflictDoUpdate({
          target: spamModel.token,
          set: { spam: sql`${spamModel.spam} + excluded.spam`, ham: sql`${spamModel.ham} + excluded.ham`, updatedAt: at },
        });
      await tx
        .update(spamModel)
        .set({ spam: sql`max(0, ${spamModel.spam})`, ham: sql`max(0, ${spamModel.ham})` })
        .where(and(inArray(spamModel.token, part.map((r) => r.token)), sql`(${spamModel.spam} < 0 OR ${spamModel.ham} < 0)`));
    }
    await tx
      .insert(spamTotals)
      .values({ id: 1, nspam: Math.max(0, delta.nspam), nham: Math.max(0, delta.nham), updatedAt: at })
      .onConflictDoUpdate({
        target: spamTotals.id,
        set: { nspam: sql`max(0, ${spamTotals.nspam} + ${delta.nspam})`, nham: sql`max(0, ${spamTotals.nham} + ${delta.nham})`, updatedAt: at },
      });
  });
}

/** The user's own training on the tokens of one message, or null when they never trained (most
 * users: then the message's tokens are not even worked out here). */
export async function userSpamModel(q: Queryable, userId: string, tokens: () => number[]): Promise<BayesModel | null> {
  const [box] = await q.select({ nspam: mailboxes.bayesSpam, nham: mailboxes.bayesHam }).from(mailboxes).where(eq(mailboxes.userId, userId));
  if (!box || box.nspam + box.nham === 0) return null;
  const rows: { token: number; spam: number; ham: number }[] = [];
  for (const part of chunks([...new Set(tokens())], ROWS_PER_STATEMENT)) {
    rows.push(...(await q.select({ token: spamTokens.token, spam: spamTokens.spam, ham: spamTokens.ham }).from(spamTokens).where(and(eq(spamTokens.userId, userId), inArray(spamTokens.token, part)))));
  }
  return BayesModel.fromRows(box, rows);
}

/** Adds a learned delta to the user's own model, inside the caller's shard transaction. */
export async function learnUser(tx: Queryable, userId: string, delta: BayesDelta): Promise<void> {
  for (const part of chunks(delta.rows, ROWS_PER_STATEMENT)) {
    await tx
      .insert(spamTokens)
      .values(part.map((r) => ({ userId, token: r.token, spam: r.spam, ham: r.ham })))
      .onConflictDoUpdate({ target: [spamTokens.userId, spamTokens.token], set: { spam: sql`${spamTokens.spam} + excluded.spam`, ham: sql`${spamTokens.ham} + excluded.ham` } });
    await tx
      .update(spamTokens)
      .set({ spam: sql`max(0, ${spamTokens.spam})`, ham: sql`max(0, ${spamTokens.ham})` })
      .where(and(eq(spamTokens.userId, userId), inArray(spamTokens.token, part.map((r) => r.token)), sql`(${spamTokens.spam} < 0 OR ${spamTokens.ham} < 0)`));
  }
  await tx
    .update(mailboxes)
    .set({ bayesSpam: sql`max(0, ${mailboxes.bayesSpam} + ${delta.nspam})`, bayesHam: sql`max(0, ${mailboxes.bayesHam} + ${delta.nham})` })
    .where(eq(mailboxes.userId, userId));
}
