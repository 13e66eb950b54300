// Pushes committed mailbox events to the edge (POST /internal/v1/events, signed), in a few lanes:
// each user's events always take the same lane, and a lane has one request in flight at a time, so
// a user's events reach the edge in order while other users' events need not wait behind a request
// that is not theirs. What is published while a lane's request is in flight waits and goes in its
// next one, so under load one request carries many users' events. Only a 2xx delivers a batch;
// anything else keeps it, in order, and retries with backoff. The backlog is bounded: past the limit the oldest events are dropped —
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
  /** Requests in flight at once, each for its own users. One by default: on `npm start`'s stack with
   * 100 clients (bench:realtime, 2026-12-07, same sitting) four lanes gave SMTP 250 → event p50 145 ms
   * against 102–105 ms for one, and no better p99 (303–345 against 298–558): more, smaller requests
   * cost the edge more than the wait behind another user's request saves. Worth another look once
   * the edge is reached without wrangler's proxy. */
  lanes?: number;
  maxBacklog?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  timeoutMs?: number;
  /** Told after every request and every drop (the pipeline thread reports to the metrics). */
  onStats?: (stats: NotifierStats) => void;
}

const byUserAndSeq = (a: CoreEvent, b: CoreEvent) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.seq - b.seq);

type Settings = Required<Omit<NotifierOptions, "onStats">> & Pick<NotifierOptions, "onStats">;

/** Which lane a user's events take: always the same one (FNV-1a of the id). */
export function laneOf(userId: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

export class EventNotifier {
  readonly #o: Settings;
  readonly #lanes: Lane[];
  #lastDropWarning = 0;
  readonly #stop = new AbortController();
  readonly #stats = { pushed: 0, failures: 0, dropped: 0 };

  constructor(options: NotifierOptions) {
    this.#o = { maxBatch: 5000, lanes: 1, maxBacklog: 100_000, firstRetryMs: 500, maxRetryMs: 30_000, timeoutMs: 10_000, ...options };
    this.#lanes = Array.from({ length: Math.max(1, this.#o.lanes) }, () => new Lane(this.#o, this.#stop.signal, this.#stats, this));
  }

  get stats(): NotifierStats {
    return { ...this.#stats, backlog: this.#lanes.reduce((n, lane) => n + lane.waiting, 0) };
  }

  /** Queues events (committed ones only) and starts a push in each lane they take unless one is in flight. */
  publish(events: CoreEvent[]): void {
    if (events.length === 0 || this.#stop.signal.aborted) return;
    const lanes = this.#lanes.length;
    if (lanes === 1) this.#lanes[0]!.add(events);
    else {
      const parts = new Map<number, CoreEvent[]>();
      for (const e of events) {
        const i = laneOf(e.userId, lanes);
        const part = parts.get(i);
        if (part) part.push(e);
        else parts.set(i, [e]);
      }
      for (const [i, part] of parts) this.#lanes[i]!.add(part);
    }
    this.bound();
    for (const lane of this.#lanes) lane.start();
  }

  /** Ends the pushes in flight and any wait; what is left is re-pushed from the shards on the next start. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#lanes.map((lane) => lane.running));
  }

  /** Keeps the backlog within its limit (lanes call it after putting back a batch that failed): past
   * it, the oldest events of the longest backlogs go. */
  bound(): void {
    let excess = this.#lanes.reduce((n, lane) => n + lane.queued, 0) - this.#o.maxBacklog;
    if (excess <= 0) return;
    let dropped = 0;
    while (excess > 0) {
      const longest = this.#lanes.reduce((a, b) => (b.queued > a.queued ? b : a));
      const n = longest.dropOldest(Math.min(excess, Math.max(1, longest.queued - Math.floor(this.#o.maxBacklog / this.#lanes.length))));
      excess -= n;
      dropped += n;
    }
    this.#stats.dropped += dropped;
    this.report();
    const now = Date.now();
    if (now - this.#lastDropWarning > 10_000) {
      this.#lastDropWarning = now;
      this.#o.log.warn("events: backlog full; dropped the oldest events (the edge reads them from the core when it sees the gap)", {
        dropped,
        droppedTotal: this.#stats.dropped,
        backlog: this.stats.backlog,
      });
    }
  }

  /** Tells onStats (lanes call it after every request). */
  report(): void {
    this.#o.onStats?.(this.stats);
  }
}

/** One lane: its own backlog, at most one request in flight, its own retry backoff. */
class Lane {
  readonly #o: Settings;
  readonly #stop: AbortSignal;
  readonly #stats: { pushed: number; failures: number; dropped: number };
  readonly #owner: Pick<EventNotifier, "bound" | "report">;
  #backlog: CoreEvent[] = [];
  #inFlight = 0;
  running: Promise<void> = Promise.resolve();
  /** Set and cleared synchronously with the loop, so an event published just as it ends starts a new one. */
  #active = false;
  #retryMs = 0;

  constructor(o: Settings, stop: AbortSignal, stats: { pushed: number; failures: number; dropped: number }, owner: Pick<EventNotifier, "bound" | "report">) {
    this.#o = o;
    this.#stop = stop;
    this.#stats = stats;
    this.#owner = owner;
  }

  /** Waiting, including a request in flight. */
  get waiting(): number {
    return this.#backlog.length + this.#inFlight;
  }

  /** Waiting and not in flight: what the bound may drop. */
  get queued(): number {
    return this.#backlog.length;
  }

  add(events: CoreEvent[]): void {
    for (const e of events) this.#backlog.push(e);
  }

  dropOldest(n: number): number {
    return this.#backlog.splice(0, n).length;
  }

  start(): void {
    if (this.#active || this.#backlog.length === 0) return;
    this.#active = true;
    this.running = this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (this.#backlog.length > 0 && !this.#stop.aborted) {
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
          this.#owner.report();
          continue;
        }
        this.#backlog.unshift(...batch);
        this.#owner.bound();
        this.#stats.failures++;
        this.#retryMs = this.#retryMs === 0 ? this.#o.firstRetryMs : Math.min(this.#retryMs * 2, this.#o.maxRetryMs);
        this.#owner.report();
        if (this.#stop.aborted) return;
        this.#o.log.warn("events: push to the edge failed; will retry", { reason: failure, events: batch.length, backlog: this.#backlog.length, retryInMs: this.#retryMs });
        try {
          await sleep(this.#retryMs, undefined, { signal: this.#stop });
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
      const res = await callEdge(this.#o.edge, "POST", "/internal/v1/events", body, { timeoutMs: this.#o.timeoutMs, signal: this.#stop });
      await res.body?.cancel();
      if (res.ok) return null;
      // A 400 refuses the request itself (the edge takes or logs events one by one): sending the same
      // bytes again cannot succeed, and holding them would stop every later event. Logged and dropped;
      // the edge fetches what it missed from the core's events endpoint when it sees the gap.
      if (res.status === 400) {
        this.#stats.dropped += events.length;
        this.#owner.report();
        this.#o.log.error("events: the edge refused a batch as malformed; dropped it", { events: events.length });
        return REFUSED;
      }
      return `the edge answered ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
