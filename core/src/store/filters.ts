// A user's filters in their shard: one active Sieve script, and the JSON rules it was compiled from
// when the rule API made it. Saving replaces both, with the events of the save (security.forwarding) in
// the same transaction; the pipeline reads the script for every delivery.
import { and, eq, gt } from "drizzle-orm";
import type { FilterSettings } from "../../../shared/filters.ts";
import { recordEvents, type Change, type EventDraft } from "./events.ts";
import { filters, vacationReplies } from "./shard-schema.ts";
import type { Queryable, ShardDatabase } from "./shards.ts";

export interface StoredFilters {
  script: string;
  /** What the rule API compiled the script from; null for an uploaded script. */
  settings: FilterSettings | null;
  updatedAt: number;
}

export async function getFilters(q: Queryable, userId: string): Promise<StoredFilters | null> {
  const [row] = await q.select().from(filters).where(eq(filters.userId, userId));
  return row ? { script: row.script, settings: row.rulesJson === null ? null : (JSON.parse(row.rulesJson) as FilterSettings), updatedAt: row.updatedAt } : null;
}

/** Replaces the user's filters. `decide` sees the filters being replaced, inside the transaction (so
 * two saves at once cannot both judge against the same old script), and returns the events to record
 * with the save, or throws to refuse it. */
export async function saveFilters(
  shard: ShardDatabase,
  userId: string,
  script: string,
  settings: FilterSettings | null,
  decide: (previous: StoredFilters | null) => EventDraft[] = () => [],
): Promise<Change<StoredFilters>> {
  const rulesJson = settings === null ? null : JSON.stringify(settings);
  return shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      const previous = await getFilters(tx, userId);
      const drafts = decide(previous);
      // Strictly increasing per user, so a cache keyed by it never mistakes a new script for the old one.
      const updatedAt = Math.max(Date.now(), (previous?.updatedAt ?? 0) + 1);
      await tx.insert(filters).values({ userId, script, rulesJson, updatedAt }).onConflictDoUpdate({ target: filters.userId, set: { script, rulesJson, updatedAt } });
      return { value: { script, settings, updatedAt }, ...(await recordEvents(tx, userId, drafts)) };
    }),
  );
}

/** Whether the user already answered this sender for this vacation (handle) within the period. */
export async function vacationAnsweredSince(q: Queryable, userId: string, sender: string, handle: string, since: number): Promise<boolean> {
  const [row] = await q
    .select({ sentAt: vacationReplies.sentAt })
    .from(vacationReplies)
    .where(and(eq(vacationReplies.userId, userId), eq(vacationReplies.sender, sender), eq(vacationReplies.handle, handle), gt(vacationReplies.sentAt, since)));
  return row !== undefined;
}

export async function recordVacationReply(shard: ShardDatabase, userId: string, sender: string, handle: string, at: number): Promise<void> {
  await shard.writeLock.run(() =>
    shard.db.insert(vacationReplies).values({ userId, sender, handle, sentAt: at }).onConflictDoUpdate({ target: [vacationReplies.userId, vacationReplies.sender, vacationReplies.handle], set: { sentAt: at } }),
  );
}
