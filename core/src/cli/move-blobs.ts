// After a user left a region: the old bucket's packs and attachments their rows named, swept by the
// region's blob sweep (store/blob-gc/) so that none of their bytes stay where they no longer live. The
// CLI works beside the running cores, so it asks every core's outbound queue of the region which packs
// a delivery still reads (those are kept whole until it is made).
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { removeUnreferencedAttachments } from "../store/blob-gc/attachments.ts";
import { compactPacks, type KeptReason } from "../store/blob-gc/compact-packs.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { SourceBlobs } from "../store/mailbox-move/move.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import type { Shards } from "../store/shards.ts";

/** What the sweep did, for the command's output. */
export interface BlobSweepSummary {
  packsDeleted: number;
  packsRewritten: number;
  attachmentsDeleted: number;
  /** Packs left for a later sweep, and why. */
  kept: { key: string; reason: KeptReason }[];
}

/** The outbound queues of a region's cores: the first core's QUEUE_URL and each further core's
 * (start-local.ts puts them in DATA_DIR/cores/<c>/queue.db). */
function regionQueueUrls(config: Config): string[] {
  const cores = path.join(config.dataDir, "cores");
  const more = existsSync(cores) ? readdirSync(cores).map((c) => path.join(cores, c, "queue.db")).filter((f) => existsSync(f)) : [];
  return [config.queueUrl, ...more.map((f) => `file:${f}`)];
}

export async function sweepMovedBlobs(config: Config, shards: Shards, blobs: BlobStore, keys: SourceBlobs): Promise<BlobSweepSummary> {
  const queues = await Promise.all(regionQueueUrls(config).map((url) => OutboundQueue.open(url, config.libsqlAuthToken)));
  try {
    const deps = {
      shards: shards.names.map((n) => shards.get(n)),
      blobs,
      queued: async (raw: string[]) => new Set((await Promise.all(queues.map((q) => q.pendingRawKeys(raw)))).flatMap((s) => [...s])),
    };
    const packs = await compactPacks(keys.raw, deps, { named: true });
    const attachments = await removeUnreferencedAttachments(keys.attachments, deps);
    return { packsDeleted: packs.deleted.length, packsRewritten: packs.rewritten.length, attachmentsDeleted: attachments.deleted.length, kept: packs.kept };
  } finally {
    for (const q of queues) q.close();
  }
}
