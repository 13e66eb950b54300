// Before a message is accepted for sending: the daily quota (recipients per UTC day, which protects
// the service's IP reputation) and the Idempotency-Key (the same key never sends twice). Both live in
// the sender's shard and change in one transaction, for the API and SMTP submission alike.
import { and, eq, lt, sql } from "drizzle-orm";
import { uuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { idempotencyKeys, messages, sendCounters } from "./shard-schema.ts";
import type { ShardDatabase } from "./shards.ts";

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

export async function reserveSend(
  shard: ShardDatabase,
  userId: string,
  request: { idempotencyKey?: string; requestHash: string; recipients: number },
  limit: number,
  now = Date.now(),
): Promise<Reservation> {
  return shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
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
    }),
  );
}

export async function messageExists(shard: ShardDatabase, userId: string, messageId: string): Promise<boolean> {
  const [row] = await shard.db
    .select({ id: messages.messageId })
    .from(messages)
    .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
  return Boolean(row);
}
