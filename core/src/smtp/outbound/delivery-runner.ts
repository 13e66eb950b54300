// The delivery agent: takes due recipients from the queue, groups them by message and domain (one
// SMTP transaction per group), tries the domain's hosts in order, and records each recipient's fate:
// delivered, deferred to the next attempt on the backoff schedule, or bounced with a DSN to the
// sender (filed by whoever the wiring hands in as `returnToSender`). Time comes from an injectable
// clock, so the schedule can be tested without waiting.
//
// It works the way Postfix's queue manager does: transactions run side by side up to a global limit
// (`concurrency`) and up to `destinationConcurrency` to one destination (default_destination_
// concurrency_limit, 20), each freed slot taking the next waiting group at once rather than the next
// batch waiting for its slowest member; connections are kept and reused per host (connection-cache.ts);
// outcomes are group-committed (OutboundQueue.record); and fresh mail is read from the pipeline's
// packs in memory (recent-packs.ts) rather than back from R2.
import { setTimeout as sleep } from "node:timers/promises";
import type { DnsResolver } from "../../dns.ts";
import type { Logger } from "../../log.ts";
import type { Bounce, ReturnToSender } from "../../outbound-queue/bounce.ts";
import { nextAttemptAt } from "../../outbound-queue/retry.ts";
import type { BlobStore } from "../../store/blobs.ts";
import type { Delivery, OutboundQueue } from "../../store/outbound-queue.ts";
import { ConnectionCache } from "./connection-cache.ts";
import type { RecipientResult } from "./deliver.ts";
import type { RegionDelivery } from "./region-delivery.ts";
import { RecentPacks } from "./recent-packs.ts";
import { destinationOf, routeFor, type RoutingConfig } from "./route.ts";

export interface RunnerDeps {
  queue: OutboundQueue;
  blobs: BlobStore;
  resolver: DnsResolver;
  routing: RoutingConfig;
  hostname: string;
  log: Logger;
  /** Files the DSN of a message's bounced recipients in its sender's inbox (pipeline/file-dsn.ts). */
  returnToSender: ReturnToSender;
  /** With several regions: the hop to users homed in another region (region-delivery.ts). */
  regions?: RegionDelivery | null;
  clock?: () => number;
  random?: () => number;
  /** SMTP transactions at once, over all destinations. */
  concurrency?: number;
  /** SMTP transactions (so connections) at once to one destination. */
  destinationConcurrency?: number;
  timeoutMs?: number;
  /** How long an idle connection is kept for the next message to its host. */
  connectionIdleMs?: number;
}

/** One message to one domain, claimed at `now`. */
interface Group {
  rows: Delivery[];
  destination: string;
  now: number;
}

export const DEFAULT_CONCURRENCY = 100;
export const DEFAULT_DESTINATION_CONCURRENCY = 20;

export class DeliveryRunner {
  readonly #d: RunnerDeps & { clock: () => number; random: () => number; concurrency: number; destinationConcurrency: number };
  readonly #connections: ConnectionCache;
  readonly #packs = new RecentPacks();
  /** Claimed groups waiting for a slot, per destination, in claim order. */
  readonly #waiting = new Map<string, Group[]>();
  #waitingCount = 0;
  /** Groups in an SMTP transaction, per destination. */
  readonly #active = new Map<string, number>();
  #activeCount = 0;
  /** Groups finished whose outcomes are not yet committed. */
  readonly #recording = new Set<Promise<void>>();
  #wake: (() => void) | null = null;
  /** Whether a claim may find rows: new mail came, a claim was cut short, or the poll for retries. A
   * freed slot claims again only then (an empty claim is a query and a transaction for nothing). */
  #mayBeDue = true;
  /** The last claim left some destinations' rows in the queue (they had enough waiting). */
  #skipped = false;
  /** Who waits for the next group to finish. */
  #settledWaiters: (() => void)[] = [];
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(deps: RunnerDeps) {
    this.#d = {
      ...deps,
      clock: deps.clock ?? Date.now,
      random: deps.random ?? Math.random,
      concurrency: deps.concurrency ?? DEFAULT_CONCURRENCY,
      destinationConcurrency: deps.destinationConcurrency ?? DEFAULT_DESTINATION_CONCURRENCY,
    };
    this.#connections = new ConnectionCache(deps.connectionIdleMs);
  }

  /** Starts the agent; recipients left in flight by a previous process are retried at once. */
  async start(): Promise<void> {
    const released = await this.#d.queue.releaseInFlight(this.#d.clock());
    if (released > 0) this.#d.log.info("delivery: retrying recipients a previous run left in flight", { released });
    this.#loop ??= this.#run();
  }

  /** New mail was queued: `pack` is the object its raw bytes were written to, kept for delivery. */
  queued(pack?: { key: string; bytes: Buffer }): void {
    if (pack) this.#packs.remember(pack.key, pack.bytes);
    this.#mayBeDue = true;
    this.wake();
  }

  wake(): void {
    this.#wake?.();
  }

  /** Connections opened and reused so far. */
  get connectionStats(): { opened: number; reused: number; idle: number } {
    return this.#connections.stats;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    await this.#drain();
    // Claimed groups that never got a slot go back to the queue now rather than on the next start
    // (after the drain nothing else of this node is in flight).
    this.#waiting.clear();
    this.#waitingCount = 0;
    await this.#d.queue.releaseInFlight(this.#d.clock());
    this.#connections.closeAll();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#mayBeDue && this.#room() > 0) {
        try {
          await this.#claim(this.#d.clock());
        } catch (err) {
          this.#d.log.error("delivery: run failed", { err });
        }
        // More may be due at once if the claim was cut short by room rather than by the queue. The
        // store's calls settle without the event loop (libSQL is synchronous): yield to it first.
        if (this.#mayBeDue && this.#room() > 0) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      }
      // Wait for new mail, a freed slot, or poll for retries coming due.
      const woken = await Promise.race([new Promise<boolean>((resolve) => (this.#wake = () => resolve(true))), sleep(1000, false)]);
      this.#wake = null;
      if (!woken) this.#mayBeDue = true;
    }
  }

  /** Works every recipient due at `now` and waits for all of it, outcomes committed; returns how many
   * were attempted. */
  async runDue(now: number = this.#d.clock()): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await this.#claim(now);
      attempted += claimed;
      if (claimed === 0 && this.#waitingCount === 0 && this.#activeCount === 0) break;
      if (claimed === 0 || this.#room() === 0) await this.#nextSettled();
    }
    await this.#drain();
    return attempted;
  }

  /** Groups that may still be claimed: twice the slots, so that a freed slot never waits for a claim. */
  #room(): number {
    return 2 * this.#d.concurrency - this.#waitingCount - this.#activeCount;
  }

  /** Claims due rows into the waiting groups (not for destinations that have enough waiting) and
   * starts what the limits allow; returns how many rows were claimed. */
  async #claim(now: number): Promise<number> {
    const room = this.#room();
    if (room <= 0) return 0;
    const full = [...this.#waiting].filter(([, groups]) => groups.length >= 2 * this.#d.destinationConcurrency).map(([destination]) => destination);
    const skip = full.length === 0 ? [] : [...new Set(this.#waitingDomains(full))];
    this.#mayBeDue = false;
    const due = await this.#d.queue.claimDue(now, room, skip);
    if (due.length === room) this.#mayBeDue = true;
    this.#skipped = skip.length > 0;
    const groups = new Map<string, Delivery[]>();
    for (const d of due) {
      const key = `${d.domain}/${d.messageId}`;
      const rows = groups.get(key);
      if (rows) rows.push(d);
      else groups.set(key, [d]);
    }
    for (const rows of groups.values()) {
      const destination = destinationOf(rows[0]!.domain, this.#d.routing);
      const list = this.#waiting.get(destination);
      if (list) list.push({ rows, destination, now });
      else this.#waiting.set(destination, [{ rows, destination, now }]);
      this.#waitingCount++;
    }
    this.#dispatch();
    return due.length;
  }

  #waitingDomains(destinations: string[]): string[] {
    return destinations.flatMap((destination) => this.#waiting.get(destination)!.map((g) => g.rows[0]!.domain));
  }

  #nextSettled(): Promise<void> {
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  /** Starts waiting groups while the global and per-destination limits allow. Stopping starts none:
   * what waits is still marked in flight, which the next start puts back in the queue. */
  #dispatch(): void {
    if (this.#stopping) return;
    for (const [destination, groups] of this.#waiting) {
      while (groups.length > 0 && this.#activeCount < this.#d.concurrency && (this.#active.get(destination) ?? 0) < this.#d.destinationConcurrency) {
        const group = groups.shift()!;
        this.#waitingCount--;
        this.#activeCount++;
        this.#active.set(destination, (this.#active.get(destination) ?? 0) + 1);
        void this.#work(group);
      }
      if (groups.length === 0) this.#waiting.delete(destination);
      if (this.#activeCount >= this.#d.concurrency) break;
    }
  }

  async #work(group: Group): Promise<void> {
    try {
      const { recorded } = await this.#deliverGroup(group.rows, group.now);
      const tracked: Promise<void> = recorded.then(() => undefined).catch((err: unknown) => this.#d.log.error("delivery: could not record outcomes", { err })).finally(() => this.#recording.delete(tracked));
      this.#recording.add(tracked);
    } catch (err) {
      this.#d.log.error("delivery: group failed", { err, messageId: group.rows[0]!.messageId });
    } finally {
      this.#activeCount--;
      const left = (this.#active.get(group.destination) ?? 1) - 1;
      if (left > 0) this.#active.set(group.destination, left);
      else this.#active.delete(group.destination);
      this.#dispatch();
      // A destination the last claim skipped has room again: its rows may be claimed.
      if (this.#skipped && (this.#waiting.get(group.destination)?.length ?? 0) < 2 * this.#d.destinationConcurrency) this.#mayBeDue = true;
      for (const settled of this.#settledWaiters.splice(0)) settled();
      if (this.#mayBeDue && this.#waitingCount < this.#d.concurrency) this.wake();
    }
  }

  /** Waits until every group is done and every outcome committed. */
  async #drain(): Promise<void> {
    while (this.#activeCount > 0) await this.#nextSettled();
    await this.#d.queue.flushOutcomes();
    await Promise.all(this.#recording);
  }

  async #raw(row: Delivery): Promise<Buffer | null> {
    const cached = this.#packs.get(row.rawKey, row.rawOffset, row.rawLength);
    if (cached) return cached;
    const bytes = await this.#d.blobs.get(row.rawKey, { offset: row.rawOffset, length: row.rawLength });
    return bytes ? Buffer.from(bytes) : null;
  }

  /** Delivers one message to one domain; resolves once the SMTP work is done with the promise of its
   * outcomes' commit (the slot is free before the commit, which other groups' outcomes share). */
  async #deliverGroup(rows: Delivery[], now: number): Promise<{ recorded: Promise<unknown> }> {
    const { queue, log } = this.#d;
    const expired = rows.filter((r) => now >= r.expiresAt);
    const live = rows.filter((r) => now < r.expiresAt);
    const bounced: Bounce[] = expired.map((row) => ({
      row,
      failure: { recipient: row.recipient, reply: row.lastReply ?? "no attempt succeeded", remoteHost: row.lastHost, expired: true },
    }));

    const results = new Map<string, RecipientResult & { host: string | null }>();
    const homes = live.length > 0 && this.#d.regions ? await this.#d.regions.homesOf(live[0]!.domain, live.map((r) => r.recipient)) : null;
    if (homes && this.#d.regions) {
      const regions = this.#d.regions;
      const raw = await this.#raw(live[0]!);
      for (const [i, r] of live.entries()) {
        if (!raw) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: "the message is not readable from storage yet", host: null });
        else if (homes[i] === null) results.set(r.id, { recipient: r.recipient, outcome: "bounced", reply: `550 5.1.1 <${r.recipient}>: no such user here`, host: this.#d.hostname });
      }
      for (const region of raw ? new Set(homes.filter((h): h is string => h !== null)) : []) {
        const rows = live.filter((_, i) => homes[i] === region);
        const sent = await regions.send(region, rows[0]!.sender, rows.map((r) => r.recipient), raw!);
        for (const r of rows) results.set(r.id, { ...sent.find((s) => s.recipient === r.recipient)!, host: `region ${region}` });
      }
    } else if (live.length > 0) {
      const first = live[0]!;
      const route = await routeFor(first.domain, this.#d.resolver, this.#d.routing);
      if (route.kind === "permanent") {
        for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "bounced", reply: `${route.status} ${route.reason}`, host: null });
      } else if (route.kind === "temporary") {
        for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: route.reason, host: null });
      } else {
        const raw = await this.#raw(first);
        if (!raw) {
          for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: "the message is not readable from storage yet", host: null });
        } else {
          let remaining = live;
          // RFC 5321 §5.1: on a temporary failure or no connection, try the next host.
          for (const hop of route.hops) {
            if (remaining.length === 0) break;
            let attempt: RecipientResult[];
            const session = await this.#connections.take(hop, this.#d.hostname, this.#d.timeoutMs);
            if ("failed" in session) attempt = remaining.map((r) => ({ recipient: r.recipient, outcome: "deferred" as const, reply: session.failed }));
            else {
              attempt = await session.send(first.sender, remaining.map((r) => r.recipient), raw);
              this.#connections.give(session);
            }
            const byRecipient = new Map(attempt.map((a) => [a.recipient, a]));
            for (const r of remaining) results.set(r.id, { ...byRecipient.get(r.recipient)!, host: hop.hostname });
            remaining = remaining.filter((r) => results.get(r.id)!.outcome === "deferred");
          }
          if (route.hops.length === 0) for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: "no host to deliver to", host: null });
        }
      }
    }

    for (const r of live) {
      const result = results.get(r.id)!;
      if (result.outcome === "bounced") bounced.push({ row: r, failure: { recipient: r.recipient, reply: result.reply, remoteHost: result.host, expired: false } });
    }
    // The sender learns of every bounce before the rows say so: a crash in between files the same
    // DSN again (same id, so once) rather than losing it. Mail sent with the null sender (vacation
    // replies and other automatic answers) is never answered with a bounce (RFC 5321 §4.5.5), or two
    // auto-responders could loop.
    if (bounced.length > 0 && bounced[0]!.row.sender !== "") await this.#d.returnToSender(bounced);
    const recorded: Promise<void>[] = [];
    for (const r of live) {
      const result = results.get(r.id)!;
      const attempts = r.attempts + 1;
      if (result.outcome === "deferred") {
        recorded.push(queue.record(r.id, { state: "deferred", reply: result.reply, host: result.host, nextAttemptAt: nextAttemptAt(now, attempts, this.#d.random()), attempted: true }, now));
        log.info("delivery: deferred", { id: r.id, recipient: r.recipient, attempts, reply: result.reply });
      } else {
        recorded.push(queue.record(r.id, { state: result.outcome, reply: result.reply, host: result.host, attempted: true }, now));
        log.info(`delivery: ${result.outcome}`, { id: r.id, recipient: r.recipient, reply: result.reply });
      }
    }
    for (const { row } of bounced.filter((b) => b.failure.expired)) {
      recorded.push(queue.record(row.id, { state: "bounced", reply: `expired: ${row.lastReply ?? ""}`.trim(), host: row.lastHost, attempted: false }, now));
      log.info("delivery: expired", { id: row.id, recipient: row.recipient });
    }
    return { recorded: Promise.all(recorded) };
  }
}
