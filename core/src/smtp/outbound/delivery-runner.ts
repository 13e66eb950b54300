// The delivery agent: takes due recipients from the queue, groups them by message and domain (one
// SMTP transaction per group), tries the domain's hosts in order, and records each recipient's fate:
// delivered, deferred to the next attempt on the backoff schedule, or bounced with a DSN to the
// sender (filed by whoever the wiring hands in as `returnToSender`). Time comes from an injectable
// clock, so the schedule can be tested without waiting.
import { setTimeout as sleep } from "node:timers/promises";
import type { DnsResolver } from "../../dns.ts";
import type { Logger } from "../../log.ts";
import type { Bounce, ReturnToSender } from "../../outbound-queue/bounce.ts";
import { nextAttemptAt } from "../../outbound-queue/retry.ts";
import type { BlobStore } from "../../store/blobs.ts";
import type { Delivery, OutboundQueue } from "../../store/outbound-queue.ts";
import { SmtpSession, type RecipientResult } from "./deliver.ts";
import { routeFor, type NextHop, type RoutingConfig } from "./route.ts";

const sameHop = (a: NextHop, b: NextHop) => a.address === b.address && a.port === b.port;

export interface RunnerDeps {
  queue: OutboundQueue;
  blobs: BlobStore;
  resolver: DnsResolver;
  routing: RoutingConfig;
  hostname: string;
  log: Logger;
  /** Files the DSN of a message's bounced recipients in its sender's inbox (pipeline/file-dsn.ts). */
  returnToSender: ReturnToSender;
  clock?: () => number;
  random?: () => number;
  /** SMTP transactions at once. */
  concurrency?: number;
  timeoutMs?: number;
}

export class DeliveryRunner {
  readonly #d: RunnerDeps & { clock: () => number; random: () => number; concurrency: number };
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(deps: RunnerDeps) {
    this.#d = { ...deps, clock: deps.clock ?? Date.now, random: deps.random ?? Math.random, concurrency: deps.concurrency ?? 16 };
  }

  /** Starts the agent; recipients left in flight by a previous process are retried at once. */
  async start(): Promise<void> {
    const released = await this.#d.queue.releaseInFlight(this.#d.clock());
    if (released > 0) this.#d.log.info("delivery: retrying recipients a previous run left in flight", { released });
    this.#loop ??= this.#run();
  }

  wake(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        if ((await this.runDue()) > 0) continue;
      } catch (err) {
        this.#d.log.error("delivery: run failed", { err });
      }
      // Nothing due: wait for new mail, or poll for retries coming due.
      await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), sleep(1000)]);
      this.#wake = null;
    }
  }

  /** Works every recipient due at `now`; returns how many were attempted. Groups (one message to one
   * domain) are taken by lanes in domain order, and a lane keeps its connection open for the next
   * group bound for the same host. */
  async runDue(now: number = this.#d.clock()): Promise<number> {
    const due = await this.#d.queue.claimDue(now, 200);
    const groups = new Map<string, Delivery[]>();
    for (const d of due) {
      const key = `${d.domain}/${d.messageId}`;
      groups.set(key, [...(groups.get(key) ?? []), d]);
    }
    const pending = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, rows]) => rows);
    await Promise.all(
      Array.from({ length: Math.min(this.#d.concurrency, pending.length) }, async () => {
        let session: SmtpSession | null = null;
        for (let group = pending.shift(); group; group = pending.shift()) session = await this.#deliverGroup(group, now, session);
        session?.close();
      }),
    );
    return due.length;
  }

  /** Delivers one message to one domain; returns the session worth keeping for the next group. */
  async #deliverGroup(rows: Delivery[], now: number, kept: SmtpSession | null): Promise<SmtpSession | null> {
    let session = kept;
    const { queue, log } = this.#d;
    const expired = rows.filter((r) => now >= r.expiresAt);
    const live = rows.filter((r) => now < r.expiresAt);
    const bounced: Bounce[] = expired.map((row) => ({
      row,
      failure: { recipient: row.recipient, reply: row.lastReply ?? "no attempt succeeded", remoteHost: row.lastHost, expired: true },
    }));

    const results = new Map<string, RecipientResult & { host: string | null }>();
    if (live.length > 0) {
      const first = live[0]!;
      const route = await routeFor(first.domain, this.#d.resolver, this.#d.routing);
      if (route.kind === "permanent") {
        for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "bounced", reply: `${route.status} ${route.reason}`, host: null });
      } else if (route.kind === "temporary") {
        for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: route.reason, host: null });
      } else {
        const raw = await this.#d.blobs.get(first.rawKey, { offset: first.rawOffset, length: first.rawLength });
        if (!raw) {
          for (const r of live) results.set(r.id, { recipient: r.recipient, outcome: "deferred", reply: "the message is not readable from storage yet", host: null });
        } else {
          let remaining = live;
          // RFC 5321 §5.1: on a temporary failure or no connection, try the next host.
          for (const [i, hop] of route.hops.entries()) {
            if (remaining.length === 0) break;
            let attempt: RecipientResult[];
            let s: SmtpSession | null = i === 0 && session?.usable && sameHop(session.hop, hop) ? session : null;
            if (!s) {
              if (i === 0 && session) {
                session.close();
                session = null;
              }
              const opened = await SmtpSession.open(hop, this.#d.hostname, this.#d.timeoutMs);
              if ("failed" in opened) attempt = remaining.map((r) => ({ recipient: r.recipient, outcome: "deferred" as const, reply: opened.failed }));
              else s = opened;
            }
            if (s) {
              attempt = await s.send(first.sender, remaining.map((r) => r.recipient), Buffer.from(raw));
              // The preferred host's session stays open for the lane's next message; others close.
              if (i === 0) session = s;
              else s.close();
            }
            const byRecipient = new Map(attempt!.map((a) => [a.recipient, a]));
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
    await Promise.all(recorded);
    return session;
  }
}
