// What the node's stores forget, and when: finished deliveries after a week (forwards after 22 days),
// mailbox events after EVENT_RETENTION, and the blobs of mail deleted for good once nothing reads
// them (blob-gc/garbage.ts). One hourly sweep in the pipeline thread (which writes these stores
// anyway), so that none grows without bound and no two sweeps run at once.
import type { Logger } from "../log.ts";
import { sweepGarbage, type GarbageSweepResult } from "./blob-gc/garbage.ts";
import type { BlobStore } from "./blobs.ts";
import { pruneEvents } from "./events.ts";
import type { OutboundQueue } from "./outbound-queue.ts";
import type { Shards } from "./shards.ts";

/** Delivered and bounced recipients stay in the queue (and in `queue list`) this long. */
export const KEEP_FINISHED_MS = 7 * 86_400_000;
/** Forwards (an SRS sender) stay as long as a bounce to their SRS address is accepted (21 days after
 * the day it was written, mail-format/srs.ts), a day more for that day: for an address of the old format the
 * row is the MX's only proof that we wrote it. */
export const KEEP_FORWARDS_MS = 22 * 86_400_000;
const EVERY_MS = 3_600_000;

interface RetentionDeps {
  queue: OutboundQueue;
  shards: Shards;
  eventRetentionMs: number;
  log: Logger;
  /** With the region's bucket, deleted mail's blobs are swept too: packs once older than the queue
   * lifetime and an hour (no delivery of any core of the region reads them then). */
  blobs?: { store: BlobStore; queueLifetimeMs: number };
}

export class Retention {
  readonly #d: RetentionDeps;
  #timer: NodeJS.Timeout | null = null;
  #sweep: Promise<void> = Promise.resolve();

  constructor(deps: RetentionDeps) {
    this.#d = deps;
  }

  /** Sweeps now and then every hour. */
  start(): void {
    const tick = () => {
      this.#sweep = this.#sweep.then(() => this.sweep().then(() => undefined, (err: unknown) => this.#d.log.error("retention: sweep failed", { err })));
    };
    tick();
    this.#timer = setInterval(tick, EVERY_MS);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#sweep;
  }

  async sweep(now = Date.now()): Promise<{ deliveries: number; events: number; blobs?: GarbageSweepResult }> {
    const deliveries = await this.#d.queue.prune(now - KEEP_FINISHED_MS, now - KEEP_FORWARDS_MS);
    let events = 0;
    const shards = this.#d.shards.names.map((n) => this.#d.shards.get(n));
    for (const shard of shards) events += await pruneEvents(shard, now - this.#d.eventRetentionMs);
    if (deliveries + events > 0) this.#d.log.info("retention: pruned", { deliveries, events });
    if (!this.#d.blobs) return { deliveries, events };
    const blobs = await sweepGarbage({ shards, blobs: this.#d.blobs.store }, { now, minPackAgeMs: this.#d.blobs.queueLifetimeMs + 3_600_000 });
    if (blobs.packsDeleted + blobs.packsRewritten + blobs.attachmentsDeleted > 0) this.#d.log.info("retention: blobs swept", { ...blobs });
    return { deliveries, events, blobs };
  }
}
