// Packs compacted to what is still read from them. A pack holds the raw bytes of a whole batch (several
// users, several shards); when some of its messages are gone for good (deleted, or their user moved to
// another region) their bytes must go too: the ranges still pointed at are written into a new pack,
// their rows repointed (per shard, in a transaction, only where a row still names the old range), and
// the old pack deleted. A pack nobody points into is deleted outright.
//
// Safe beside the running pipeline: it puts a batch's pack while the shards commit the batch's rows,
// so a young pack's rows may not all be visible yet; such packs are left alone unless the caller names
// them knowing their rows (a move, whose user's rows are gone and whose mail was all filed before the
// copy). A pack an outbound delivery still reads from is kept whole until the delivery is done.
import { sql } from "drizzle-orm";
import { packKey, type BlobStore } from "../blobs.ts";
import type { ShardDatabase } from "../shards.ts";
import { rawKeyTime } from "./blob-age.ts";
import { liveRows, type LiveRow } from "./live-rows.ts";

/** Packs younger than this may still be getting their rows: the pipeline files a batch within
 * seconds, and a core that crashed refiles its spool at start. */
export const PACK_SAFETY_AGE_MS = 15 * 60_000;

export interface BlobSweepDeps {
  /** Every shard of the region: a pack may hold mail of any of them. */
  shards: ShardDatabase[];
  /** The region's bucket. */
  blobs: BlobStore;
  /** Which of these raw keys an unfinished outbound delivery of the region still reads. */
  queued?: (rawKeys: string[]) => Promise<Set<string>>;
}

export interface CompactOptions {
  now?: number;
  minAgeMs?: number;
  /** The keys were named by a move: their rows are known, so no age is waited for. */
  named?: boolean;
}

export type KeptReason = "young" | "queued" | "missing" | "changed";

export interface CompactResult {
  /** Packs removed (nothing or everything of them moved to a new pack). */
  deleted: string[];
  /** Packs whose live ranges were written to `to` first. */
  rewritten: { from: string; to: string; ranges: number; bytes: number }[];
  /** Packs left as they are this time, and why (a later sweep may take them). */
  kept: { key: string; reason: KeptReason }[];
}

/** Points the rows at their ranges in the new pack; returns how many still named the old range. */
async function repoint(rows: LiveRow[], from: string, to: string, offsets: Map<string, number>): Promise<number> {
  const byShard = new Map<ShardDatabase, LiveRow[]>();
  for (const r of rows) byShard.set(r.shard, [...(byShard.get(r.shard) ?? []), r]);
  let updated = 0;
  for (const [shard, mine] of byShard) {
    await shard.writeLock.run(() =>
      shard.db.transaction(async (tx) => {
        for (const r of mine) {
          const res = await tx.run(
            sql`UPDATE messages SET raw_key = ${to}, raw_offset = ${offsets.get(`${r.offset}:${r.length}`)!}
                WHERE user_id = ${r.userId} AND message_id = ${r.messageId} AND raw_key = ${from} AND raw_offset = ${r.offset} AND raw_length = ${r.length}`,
          );
          updated += res.rowsAffected;
        }
      }),
    );
  }
  return updated;
}

async function compactOne(key: string, deps: BlobSweepDeps): Promise<{ deleted?: true; rewritten?: CompactResult["rewritten"][number]; kept?: KeptReason }> {
  const rows = await liveRows(deps.shards, key);
  if (rows.length === 0) {
    await deps.blobs.delete([key]);
    return { deleted: true };
  }
  const pack = await deps.blobs.get(key);
  // Rows may name a pack whose put has not ended (or failed and is being refiled): nothing to move yet.
  if (!pack) return { kept: "missing" };
  // Several rows (recipients of one message) may share a range: it is copied once.
  const ranges = [...new Map(rows.map((r) => [`${r.offset}:${r.length}`, r])).values()].sort((a, b) => a.offset - b.offset);
  if (ranges.some((r) => r.offset + r.length > pack.length)) return { kept: "missing" };
  const offsets = new Map<string, number>();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const r of ranges) {
    offsets.set(`${r.offset}:${r.length}`, at);
    parts.push(pack.subarray(r.offset, r.offset + r.length));
    at += r.length;
  }
  // Named by when it is written, whatever `now` the sweep judges ages by.
  const to = packKey();
  await deps.blobs.put(to, Buffer.concat(parts), "application/octet-stream");
  const updated = await repoint(rows, key, to, offsets);
  if (updated === 0) await deps.blobs.delete([to]);
  const rewritten = updated > 0 ? { from: key, to, ranges: ranges.length, bytes: at } : undefined;
  // A row that came to point at the old pack meanwhile (a refiling) keeps it; the next sweep goes on.
  if ((await liveRows(deps.shards, key)).length > 0) return { ...(rewritten ? { rewritten } : {}), kept: "changed" };
  await deps.blobs.delete([key]);
  return { deleted: true, ...(rewritten ? { rewritten } : {}) };
}

/** Compacts the named packs (raw keys; any other raw object, a DSN's or a draft's, is one range). */
export async function compactPacks(keys: string[], deps: BlobSweepDeps, options: CompactOptions = {}): Promise<CompactResult> {
  const now = options.now ?? Date.now();
  const minAge = options.minAgeMs ?? PACK_SAFETY_AGE_MS;
  const result: CompactResult = { deleted: [], rewritten: [], kept: [] };
  const unique = [...new Set(keys)];
  const queued = deps.queued ? await deps.queued(unique) : new Set<string>();
  for (const key of unique) {
    if (!options.named) {
      const written = rawKeyTime(key);
      if (written === null || now - written < minAge) {
        result.kept.push({ key, reason: "young" });
        continue;
      }
    }
    if (queued.has(key)) {
      result.kept.push({ key, reason: "queued" });
      continue;
    }
    const done = await compactOne(key, deps);
    if (done.rewritten) result.rewritten.push(done.rewritten);
    if (done.deleted) result.deleted.push(key);
    if (done.kept) result.kept.push({ key, reason: done.kept });
  }
  return result;
}
