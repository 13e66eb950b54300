// The hourly sweep of what rows removed for good pointed at (noted in each shard's blob_garbage,
// notes.ts): packs compacted, attachments deleted, when no row of the region reads them any more.
import { ATTACHMENT_PREFIX } from "../blobs.ts";
import { removeUnreferencedAttachments } from "./attachments.ts";
import { compactPacks, PACK_SAFETY_AGE_MS, type BlobSweepDeps } from "./compact-packs.ts";

export interface GarbageSweepOptions {
  now?: number;
  /** Packs younger than this are left for a later sweep (the outbound queue reads packs until its
   * deliveries expire). */
  minPackAgeMs: number;
  /** Garbage noted less than this ago waits: a draft replaced by another with the same file has its
   * new rows committed by then. */
  minNotedAgeMs?: number;
  /** Keys taken per shard and sweep. */
  limit?: number;
}

export interface GarbageSweepResult {
  packsDeleted: number;
  packsRewritten: number;
  attachmentsDeleted: number;
  /** Keys left noted for a later sweep. */
  kept: number;
}

export async function sweepGarbage(deps: BlobSweepDeps, options: GarbageSweepOptions): Promise<GarbageSweepResult> {
  const now = options.now ?? Date.now();
  const cutoff = now - (options.minNotedAgeMs ?? PACK_SAFETY_AGE_MS);
  const noted = new Map(
    await Promise.all(
      deps.shards.map(async (shard) => {
        const { rows } = await shard.client.execute({ sql: "SELECT key FROM blob_garbage WHERE noted_at <= ? ORDER BY noted_at LIMIT ?", args: [cutoff, options.limit ?? 1000] });
        return [shard, rows.map((r) => String(r[0]))] as const;
      }),
    ),
  );
  const keys = [...new Set([...noted.values()].flat())];
  const packs = await compactPacks(keys.filter((k) => !k.startsWith(ATTACHMENT_PREFIX)), deps, { now, minAgeMs: options.minPackAgeMs });
  const attachments = await removeUnreferencedAttachments(keys.filter((k) => k.startsWith(ATTACHMENT_PREFIX)), deps);
  // An attachment still named by a row is done with too: the last row to go notes it again.
  const kept = new Set(packs.kept.map((k) => k.key));
  for (const [shard, mine] of noted) {
    const done = mine.filter((k) => !kept.has(k));
    if (done.length === 0) continue;
    // Only as noted when read: a key noted again meanwhile waits for its own turn.
    await shard.writeLock.run(() => shard.client.execute({ sql: "DELETE FROM blob_garbage WHERE key IN (SELECT value FROM json_each(?)) AND noted_at <= ?", args: [JSON.stringify(done), cutoff] }));
  }
  return { packsDeleted: packs.deleted.length, packsRewritten: packs.rewritten.length, attachmentsDeleted: attachments.deleted.length, kept: kept.size };
}
