// Pushes committed mailbox events to the edge (POST /internal/v1/events, signed). A user's events
// have at most one request in flight, so they reach the edge in order; up to `requests` requests go
// side by side, each carrying the waiting events of users the others do not carry. What is published
// while a user's request is in flight waits and goes in a later one, so under load one request
// carries many users' events, and when idle an event goes out at once instead of waiting behind a
// request that is not its user's. Only a 2xx delivers a batch; anything else puts it back, in order,
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
  /** Events waiting (including requests in flight). */
  backlog: number;
}

export interface NotifierOptions {
  edge: EdgeTarget;
  region: string;
  log: Logger;
  /** Events in one request (the edge takes at most 5000). */
  maxBatch?: number;
  /** Requests in flight at once, each for users the others do not carry (a second starts only for
   * events whose users have none in flight, so an idle notifier still sends everything in one). One
   * by default: on `npm start`'s stack two were slower (2026-12-08, alternating, load 3–5: SMTP 250 →
   * event p50 197 / 289 ms, p99 396 / 502 against 86 / 63 and 213 / 229 for one); the second request's
   * cost in the edge's workerd slows everything on the machine. Fixed lanes had been slower too. */
  requests?: number;
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
  /** Users with a request in flight: their waiting events stay until it ends. */
  readonly #busy = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #inFlightEvents = 0;
  #retryMs = 0;
  /** Set while waiting to retry: no request starts before it ends. */
  #pause: Promise<void> | null = null;
  #lastDropWarning = 0;
  readonly #stop = new AbortController();
  readonly #stats = { pushed: 0, failures: 0, dropped: 0 };

  constructor(options: NotifierOptions) {
    this.#o = { maxBatch: 5000, requests: 1, maxBacklog: 100_000, firstRetryMs: 500, maxRetryMs: 30_000, timeoutMs: 10_000, ...options };
  }

  get stats(): NotifierStats {
    return { ...this.#stats, backlog: this.#backlog.length + this.#inFlightEvents };
  }

  /** Queues events (committed ones only) and starts a request for them unless their users have one in flight. */
  publish(events: CoreEvent[]): void {
    if (events.length === 0 || this.#stop.signal.aborted) return;
    for (const e of events) this.#backlog.push(e);
    this.#bound();
    this.#pump();
  }

  /** Ends the pushes in flight and any wait; what is left is re-pushed from the shards on the next start. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all([...this.#inFlight, this.#pause]);
  }

  /** Starts requests while there is room and waiting events of users with none in flight. */
  #pump(): void {
    while (this.#inFlight.size < Math.max(1, this.#o.requests) && !this.#pause && !this.#stop.signal.aborted) {
      const batch = this.#take();
      if (batch.length === 0) return;
      const users = new Set(batch.map((e) => e.userId));
      for (const u of users) this.#busy.add(u);
      this.#inFlightEvents += batch.length;
      const request: Promise<void> = this.#send(batch).finally(() => {
        this.#inFlight.delete(request);
        for (const u of users) this.#busy.delete(u);
        this.#pump();
      });
      this.#inFlight.add(request);
    }
  }

  /** Up to maxBatch waiting events, oldest first, of users with no request in flight: each user's
   * taken events are the oldest of theirs, so what stays behind is newer. */
  #take(): CoreEvent[] {
    const { maxBatch } = this.#o;
    if (this.#busy.size === 0) return this.#backlog.splice(0, maxBatch);
    const taken: CoreEvent[] = [];
    const left: CoreEvent[] = [];
    for (const e of this.#backlog) {
      if (taken.length < maxBatch && !this.#busy.has(e.userId)) taken.push(e);
      else left.push(e);
    }
    this.#backlog = left;
    return taken;
  }

  async #send(batch: CoreEvent[]): Promise<void> {
    // A user's events can arrive out of order from two threads (API changes and filing); in seq
    // order within a request the edge sees no false gap.
    batch.sort(byUserAndSeq);
    const failure = await this.#post(batch);
    this.#inFlightEvents -= batch.length;
    if (failure === REFUSED) return this.#report();
    if (failure === null) {
      this.#stats.pushed += batch.length;
      if (this.#retryMs > 0) this.#o.log.info("events: the edge takes events again", { backlog: this.#backlog.length });
      this.#retryMs = 0;
      this.#report();
      return;
    }
    // Back in front: these users' later events waited behind them (their users were busy).
    this.#backlog.unshift(...batch);
    this.#bound();
    this.#stats.failures++;
    this.#retryMs = this.#retryMs === 0 ? this.#o.firstRetryMs : Math.min(this.#retryMs * 2, this.#o.maxRetryMs);
    this.#report();
    if (this.#stop.signal.aborted || this.#pause) return;
    this.#o.log.warn("events: push to the edge failed; will retry", { reason: failure, events: batch.length, backlog: this.#backlog.length, retryInMs: this.#retryMs });
    this.#pause = sleep(this.#retryMs, undefined, { signal: this.#stop.signal }).then(
      () => {
        this.#pause = null;
        this.#pump();
      },
      () => undefined, // stopped
    );
  }

  /** Keeps the backlog within its limit: past it, the oldest waiting events go. */
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
        backlog: this.stats.backlog,
      });
    }
  }

  #report(): void {
    this.#o.onStats?.(this.stats);
  }

  /** Null when the edge took the batch, REFUSED when it refused it for good, else why not yet. */
  async #post(events: CoreEvent[]): Promise<string | null | typeof REFUSED> {
    const body: EventNotification = { region: this.#o.region, events };
    try {
      const t0 = performance.now();
      const res = await callEdge(this.#o.edge, "POST", "/internal/v1/events", body, { timeoutMs: this.#o.timeoutMs, signal: this.#stop.signal });
      await res.body?.cancel();
      this.#o.log.debug("events: pushed", { events: events.length, status: res.status, ms: Math.round(performance.now() - t0), oldestMs: Date.now() - Math.min(...events.map((e) => e.at)) });
      if (res.ok) return null;
      // A 400 refuses the request itself (the edge takes or logs events one by one): sending the same
      // bytes again cannot succeed, and holding them would stop every later event. Logged and dropped;
      // the edge fetches what it missed from the core's events endpoint when it sees the gap.
      if (res.status === 400) {
        this.#stats.dropped += events.length;
        this.#o.log.error("events: the edge refused a batch as malformed; dropped it", { events: events.length });
        return REFUSED;
      }
      return `the edge answered ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
