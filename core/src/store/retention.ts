// What the node's stores forget, and when: finished deliveries after a week (forwards after 22 days),
// mailbox events after EVENT_RETENTION. One hourly sweep in the pipeline thread (which writes both
// stores anyway), so that neither grows without bound and no two sweeps run at once.
import type { Logger } from "../log.ts";
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

export class Retention {
  readonly #d: { queue: OutboundQueue; shards: Shards; eventRetentionMs: number; log: Logger };
  #timer: NodeJS.Timeout | null = null;
  #sweep: Promise<void> = Promise.resolve();

  constructor(deps: { queue: OutboundQueue; shards: Shards; eventRetentionMs: number; log: Logger }) {
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

  async sweep(now = Date.now()): Promise<{ deliveries: number; events: number }> {
    const deliveries = await this.#d.queue.prune(now - KEEP_FINISHED_MS, now - KEEP_FORWARDS_MS);
    let events = 0;
    for (const name of this.#d.shards.names) events += await pruneEvents(this.#d.shards.get(name), now - this.#d.eventRetentionMs);
    if (deliveries + events > 0) this.#d.log.info("retention: pruned", { deliveries, events });
    return { deliveries, events };
  }
}
