// How many bounces to SRS addresses the MX takes, per client and per original sender (the address
// the bounce goes on to). Such a bounce is the one kind of mail the MX passes on to another domain,
// so whoever holds a genuine SRS address (by having us forward mail from a sender of their choice)
// could use it to send that sender mail with the null sender: these limits keep that to a trickle.
// Past a limit the answer is 450 4.7.1, which makes a real MTA keep the bounce and try again later
// (Postfix and others retry for days): a user whose forward target bounces every message loses
// none of those bounces, they arrive at the pace below.
//
// Token buckets in memory, per core process: a restart forgets them, which only lets a little more
// through. Tracked keys are bounded; a key whose bucket is full carries no state and is dropped when
// room is needed, and when every tracked key is still draining, a new one is deferred too (4xx,
// retried later) rather than letting a flood of new keys push out the ones being limited.
import { clientNetwork } from "../../../../shared/ip-ranges.ts";

export interface Bucket {
  /** Bounces taken at once. */
  burst: number;
  /** Refill, in bounces per hour. */
  perHour: number;
}

export interface BounceLimitSettings {
  perClient: Bucket;
  perSender: Bucket;
  /** Keys tracked in each table at most. */
  maxTracked: number;
}

/** A forwarding user's target that bounces everything sends one bounce per message forwarded:
 * 20 at once and 20 an hour for one original sender passes any person's mail at once (a mailing
 * list's is paced, not lost); 100 an hour for one client (an IPv6 /64) suits a provider's MTA
 * returning bounces for many users. */
export const SRS_BOUNCE_LIMITS: BounceLimitSettings = {
  perClient: { burst: 100, perHour: 100 },
  perSender: { burst: 20, perHour: 20 },
  maxTracked: 10_000,
};

const HOUR_MS = 3_600_000;

class BucketTable {
  readonly #bucket: Bucket;
  readonly #max: number;
  readonly #tokens = new Map<string, { tokens: number; at: number }>();

  constructor(bucket: Bucket, max: number) {
    this.#bucket = bucket;
    this.#max = max;
  }

  /** Tokens `key` has now, or null when it is not tracked and there is no room to track it. */
  available(key: string, now: number): number | null {
    const entry = this.#tokens.get(key);
    if (entry) return Math.min(this.#bucket.burst, entry.tokens + ((now - entry.at) * this.#bucket.perHour) / HOUR_MS);
    if (this.#tokens.size >= this.#max) this.#dropFull(now);
    return this.#tokens.size < this.#max ? this.#bucket.burst : null;
  }

  take(key: string, available: number, now: number): void {
    this.#tokens.set(key, { tokens: available - 1, at: now });
  }

  #dropFull(now: number): void {
    for (const [key, entry] of this.#tokens) {
      if (entry.tokens + ((now - entry.at) * this.#bucket.perHour) / HOUR_MS >= this.#bucket.burst) this.#tokens.delete(key);
    }
  }
}

export class BounceLimits {
  readonly #clients: BucketTable;
  readonly #senders: BucketTable;

  constructor(settings: BounceLimitSettings = SRS_BOUNCE_LIMITS) {
    this.#clients = new BucketTable(settings.perClient, settings.maxTracked);
    this.#senders = new BucketTable(settings.perSender, settings.maxTracked);
  }

  /** Takes one bounce from `client` (an IP address) to `returnTo`; false when either is past its limit. */
  take(client: string, returnTo: string, now = Date.now()): boolean {
    // Whatever is not an address (it always is, from a socket) counts as itself.
    const clientKey = clientNetwork(client) ?? client;
    const senderKey = returnTo.toLowerCase();
    const fromClient = this.#clients.available(clientKey, now);
    const toSender = this.#senders.available(senderKey, now);
    if (fromClient === null || toSender === null || fromClient < 1 || toSender < 1) return false;
    this.#clients.take(clientKey, fromClient, now);
    this.#senders.take(senderKey, toSender, now);
    return true;
  }
}
