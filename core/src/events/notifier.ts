// Pushes committed mailbox events to the edge (POST /internal/v1/events, signed). One request at a
// time: what is published while it is in flight waits and goes in the next one, so under load one
// request carries many users' events. Only a 2xx delivers a batch; anything else keeps it, in order,
// and retries with backoff. The backlog is bounded: past the limit the oldest events are dropped —
// the edge sees the hole in a user's seqs and reads what it missed from the core's events endpoint.
// Nothing here is the record: the events are in the shards, and a restart pushes recent ones again.
import { setTimeout as sleep } from "node:timers/promises";
import type { CoreEvent, EventNotification } from "../../../shared/events.ts";
import { callEdge, type EdgeTarget } from "../edge-client.ts";
import type { Logger } from "../log.ts";

const REFUSED = Symbol("refused");

export interface NotifierStats {
  /** Events the edge accepted. */
  pushed: number;
  /** Requests that did not end in a 2xx. */
  failures: number;
  /** Events given up because the backlog was full. */
  dropped: number;
  /** Events waiting (including a request in flight). */
  backlog: number;
}

export interface NotifierOptions {
  edge: EdgeTarget;
  region: string;
  log: Logger;
  /** Events in one request (the edge takes at most 5000). */
  maxBatch?: number;
  maxBacklog?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  timeoutMs?: number;
  /** Told after every request and every drop (the pipeline thread reports to the metrics). */
  onStats?: (stats: NotifierStats) => void;
}

const byUserAndSeq = (a: CoreEvent, b: CoreEvent) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.seq - b.seq);

export class EventNotifier {
  readonly #o: Required<Omit<NotifierOptions, "onStats">> & Pick<NotifierOptions, "onStats">;
  #backlog: CoreEvent[] = [];
  #inFlight = 0;
  #running: Promise<void> = Promise.resolve();
  /** Set and cleared synchronously with the loop, so an event published just as it ends starts a new one. */
  #active = false;
  #retryMs = 0;
  #lastDropWarning = 0;
  readonly #stop = new AbortController();
  readonly #stats = { pushed: 0, failures: 0, dropped: 0 };

  constructor(options: NotifierOptions) {
    this.#o = { maxBatch: 5000, maxBacklog: 100_000, firstRetryMs: 500, maxRetryMs: 30_000, timeoutMs: 10_000, ...options };
  }

  get stats(): NotifierStats {
    return { ...this.#stats, backlog: this.#backlog.length + this.#inFlight };
  }

  /** Queues events (committed ones only) and starts a push unless one is in flight. */
  publish(events: CoreEvent[]): void {
    if (events.length === 0 || this.#stop.signal.aborted) return;
    for (const e of events) this.#backlog.push(e);
    this.#bound();
    if (!this.#active) {
      this.#active = true;
      this.#running = this.#run();
    }
  }

  /** Ends the push in flight and any wait; what is left is re-pushed from the shards on the next start. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      while (this.#backlog.length > 0 && !this.#stop.signal.aborted) {
        const batch = this.#backlog.splice(0, this.#o.maxBatch);
        // A user's events can arrive out of order from two threads (API changes and filing); in seq
        // order within a request the edge sees no false gap.
        batch.sort(byUserAndSeq);
        this.#inFlight = batch.length;
        const failure = await this.#post(batch);
        this.#inFlight = 0;
        if (failure === REFUSED) continue;
        if (failure === null) {
          this.#stats.pushed += batch.length;
          if (this.#retryMs > 0) this.#o.log.info("events: the edge takes events again", { backlog: this.#backlog.length });
          this.#retryMs = 0;
          this.#report();
          continue;
        }
        this.#backlog.unshift(...batch);
        this.#bound();
        this.#stats.failures++;
        this.#retryMs = this.#retryMs === 0 ? this.#o.firstRetryMs : Math.min(this.#retryMs * 2, this.#o.maxRetryMs);
        this.#report();
        if (this.#stop.signal.aborted) return;
        this.#o.log.warn("events: push to the edge failed; will retry", { reason: failure, events: batch.length, backlog: this.#backlog.length, retryInMs: this.#retryMs });
        try {
          await sleep(this.#retryMs, undefined, { signal: this.#stop.signal });
        } catch {
          return; // stopped
        }
      }
    } finally {
      // In the same turn as the loop's last check: a publish after it starts a new loop.
      this.#active = false;
    }
  }

  /** Null when the edge took the batch, REFUSED when it refused it for good, else why not yet. */
  async #post(events: CoreEvent[]): Promise<string | null | typeof REFUSED> {
    const body: EventNotification = { region: this.#o.region, events };
    try {
      const res = await callEdge(this.#o.edge, "POST", "/internal/v1/events", body, { timeoutMs: this.#o.timeoutMs, signal: this.#stop.signal });
      await res.body?.cancel();
      if (res.ok) return null;
      // A 400 refuses the request itself (the edge takes or logs events one by one): sending the same
      // bytes again cannot succeed, and holding them would stop every later event. Logged and dropped;
      // the edge fetches what it missed from the core's events endpoint when it sees the gap.
      if (res.status === 400) {
        this.#stats.dropped += events.length;
        this.#report();
        this.#o.log.error("events: the edge refused a batch as malformed; dropped it", { events: events.length });
        return REFUSED;
      }
      return `the edge answered ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  #bound(): void {
    const excess = this.#backlog.length - this.#o.maxBacklog;
    if (excess <= 0) return;
    this.#backlog.splice(0, excess);
    this.#stats.dropped += excess;
    this.#report();
    const now = Date.now();
    if (now - this.#lastDropWarning > 10_000) {
      this.#lastDropWarning = now;
      this.#o.log.warn("events: backlog full; dropped the oldest events (the edge reads them from the core when it sees the gap)", {
        dropped: excess,
        droppedTotal: this.#stats.dropped,
        backlog: this.#backlog.length,
      });
    }
  }

  #report(): void {
    this.#o.onStats?.(this.stats);
  }
}
