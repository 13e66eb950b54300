// How many wrong passwords a client address and an account may try, and when they may try again.
// Both password doors (SMTP submission's AUTH, the edge's HTTP login) count here, per client address
// and per account. Past a few free failures the next attempt must wait a delay that doubles with each
// further failure, up to a cap; an attempt before then is refused at once, without looking at the
// password, so a right guess inside the block is worth nothing. Nobody is held waiting: a refused
// attempt answers at once with the time to wait (sockets are not tarpitted).
//
// The state is in memory, in bounded LRU maps, so a flood of random client addresses cannot grow it
// without limit. Alone, several cores of one region each count on their own (an attacker spread over
// them gets each one's allowance); with Redis configured, redis-login-throttle.ts keeps the region's
// counts there by the same rules, and this one stays as the core's own view and its fallback.
import { clientNetwork } from "../../../shared/ip-ranges.ts";
import { LruMap } from "../lru-map.ts";

export interface ThrottlePolicy {
  /** Failures that cost nothing: typing mistakes, a mail app retrying a stale password a few times. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; each further failure doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A count with no failure for this long is forgotten. */
  forgetAfterMs: number;
}

/** Per client address (IPv6: per /64, which one subscriber holds). 10 free failures: the edge's HTTP
 * limit is 10 logins a minute per address too, and an office behind one NAT makes a few mistakes.
 * Then 1 s, 2 s, 4 s … up to 15 min: about 20 guesses in the first quarter hour, then 4 an hour. */
export const clientPolicy: ThrottlePolicy = { freeFailures: 10, firstDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };

/** Per account, from all addresses together: what stops a guesser spread over many addresses. More
 * free failures than per address, so one address guessing is stopped by its own limit before the
 * account is touched, and the owner's devices holding a stale password do not block it. A cap of
 * 10 min bounds how long a stranger can keep the owner's new devices out (the owner's known
 * addresses are never blocked by it); it still holds a spread-out guesser to 6 tries an hour. The
 * count is kept a day, so a slow guesser does not start over every hour. */
export const accountPolicy: ThrottlePolicy = { freeFailures: 20, firstDelayMs: 1_000, maxDelayMs: 10 * 60_000, forgetAfterMs: 24 * 60 * 60_000 };

/** An address the account signed in from within this time is exempt from the account's block (only
 * its own limit applies), as OWASP's guidance on lockout suggests: a stranger's guessing must not
 * lock the owner out of devices they use. */
export const TRUSTED_FOR_MS = 30 * 24 * 60 * 60_000;
/** Addresses remembered per account for that. */
export const TRUSTED_PER_ACCOUNT = 10;
/** Entries per map; a few tens of MB at most. */
const DEFAULT_CAPACITY = 100_000;
/** While an attempt past the free failures is still being checked, the next one waits this long. */
export const IN_FLIGHT_WAIT_MS = 1_000;

export type ThrottleScope = "ip" | "account";

interface Counter {
  failures: number;
  /** Attempts admitted and not yet settled. */
  pending: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/** An admitted attempt, to be settled once: failed, succeeded or abandoned. */
export interface Attempt {
  /** The client key (address or IPv6 /64); null when the client's address is unknown. */
  client: string | null;
  account: string;
  /** Its place among the attempts in flight in the shared counts (redis-login-throttle.ts); none
   * when only this core's memory counted it. */
  id?: string;
}

/** What the password doors ask: this memory alone, or the region's counts in Redis beside it. */
export interface LoginLimits {
  admit(ip: string, account: string): Admission | Promise<Admission>;
  failed(attempt: Attempt): CountedFailure | Promise<CountedFailure>;
  succeeded(attempt: Attempt): void | Promise<void>;
  abandoned(attempt: Attempt): void | Promise<void>;
}

export type Admission = { admitted: true; attempt: Attempt } | { admitted: false; retryAfterMs: number; scope: ThrottleScope };

export interface BlockStart {
  scope: ThrottleScope;
  failures: number;
  until: number;
}

export interface CountedFailure {
  clientFailures: number;
  accountFailures: number;
  /** The blocks this failure started (a count crossing its free failures), for the log and the user. */
  started: BlockStart[];
}

function delayAfter(failures: number, policy: ThrottlePolicy): number {
  const beyond = failures - policy.freeFailures;
  return beyond <= 0 ? 0 : Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(beyond - 1, 40));
}

export class LoginThrottle implements LoginLimits {
  readonly #now: () => number;
  readonly #clients: LruMap<string, Counter>;
  readonly #accounts: LruMap<string, Counter>;
  /** Failures per client and account, so a success clears that client's failures for the account
   * (and only those: signing in to one's own account must not wash away guesses at others). */
  readonly #pairs: LruMap<string, { failures: number; lastFailureAt: number }>;
  /** Per account: client key → last successful sign-in. */
  readonly #trusted: LruMap<string, Map<string, number>>;

  constructor(options: { now?: () => number; capacity?: number } = {}) {
    this.#now = options.now ?? Date.now;
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.#clients = new LruMap(capacity);
    this.#accounts = new LruMap(capacity);
    this.#pairs = new LruMap(capacity);
    this.#trusted = new LruMap(capacity);
  }

  /** Entries held (in /healthz), so an operator sees the memory bound at work. */
  get size(): { clients: number; accounts: number; pairs: number; trusted: number } {
    return { clients: this.#clients.size, accounts: this.#accounts.size, pairs: this.#pairs.size, trusted: this.#trusted.size };
  }

  /** Whether a password may be checked now for `account` from `ip`. */
  admit(ip: string, account: string): Admission {
    const now = this.#now();
    const client = clientNetwork(ip);
    const clientWait = client === null ? 0 : this.#wait(this.#counter(this.#clients, client, clientPolicy, now), clientPolicy, now);
    const accountWait = client !== null && this.#isTrusted(account, client, now) ? 0 : this.#wait(this.#counter(this.#accounts, account, accountPolicy, now), accountPolicy, now);
    if (clientWait > 0 || accountWait > 0) return { admitted: false, retryAfterMs: Math.max(clientWait, accountWait), scope: clientWait >= accountWait ? "ip" : "account" };
    if (client !== null) this.#counter(this.#clients, client, clientPolicy, now, true)!.pending++;
    this.#counter(this.#accounts, account, accountPolicy, now, true)!.pending++;
    return { admitted: true, attempt: { client, account } };
  }

  /** The password was wrong (or the account unknown): count it against the client and the account. */
  failed(attempt: Attempt): CountedFailure {
    const now = this.#now();
    const started: BlockStart[] = [];
    let clientFailures = 0;
    if (attempt.client !== null) clientFailures = this.#count(this.#settle(this.#clients, attempt.client, clientPolicy, now), clientPolicy, now, "ip", started);
    const pair = pairKey(attempt);
    this.#pairs.set(pair, { failures: (this.#pairs.get(pair)?.failures ?? 0) + 1, lastFailureAt: now });
    const accountFailures = this.#count(this.#settle(this.#accounts, attempt.account, accountPolicy, now), accountPolicy, now, "account", started);
    return { clientFailures, accountFailures, started };
  }

  /** Signed in: the client's failures for this account are cleared, and the client is trusted. An
   * unknown client's success clears the account's failures from unknown clients: only the password's
   * holder can do that, and the owner must not collect failures towards a block for a day. */
  succeeded(attempt: Attempt): void {
    const now = this.#now();
    const pair = pairKey(attempt);
    const cleared = this.#pairs.get(pair);
    this.#pairs.delete(pair);
    // Failures older than a count's memory are no longer in it.
    const inCount = (policy: ThrottlePolicy) => (cleared && now - cleared.lastFailureAt < policy.forgetAfterMs ? cleared.failures : 0);
    uncount(this.#settle(this.#accounts, attempt.account, accountPolicy, now), inCount(accountPolicy), accountPolicy);
    if (attempt.client === null) return;
    uncount(this.#settle(this.#clients, attempt.client, clientPolicy, now), inCount(clientPolicy), clientPolicy);
    const trusted = this.#trusted.get(attempt.account) ?? new Map<string, number>();
    trusted.delete(attempt.client);
    trusted.set(attempt.client, now);
    if (trusted.size > TRUSTED_PER_ACCOUNT) trusted.delete(trusted.keys().next().value!);
    this.#trusted.set(attempt.account, trusted);
  }

  /** The check itself failed (a broken directory, say): nothing is counted. */
  abandoned(attempt: Attempt): void {
    const now = this.#now();
    if (attempt.client !== null) this.#settle(this.#clients, attempt.client, clientPolicy, now);
    this.#settle(this.#accounts, attempt.account, accountPolicy, now);
  }

  #isTrusted(account: string, client: string, now: number): boolean {
    const at = this.#trusted.get(account)?.get(client);
    return at !== undefined && now - at < TRUSTED_FOR_MS;
  }

  #counter(map: LruMap<string, Counter>, key: string, policy: ThrottlePolicy, now: number, create = false): Counter | undefined {
    let counter = map.get(key);
    if (counter && counter.pending === 0 && now - counter.lastFailureAt >= policy.forgetAfterMs) {
      map.delete(key);
      counter = undefined;
    }
    if (!counter && create) {
      counter = { failures: 0, pending: 0, lastFailureAt: 0, blockedUntil: 0 };
      map.set(key, counter);
    }
    return counter;
  }

  #wait(counter: Counter | undefined, policy: ThrottlePolicy, now: number): number {
    if (!counter) return 0;
    if (counter.blockedUntil > now) return counter.blockedUntil - now;
    // Past the free failures, one attempt at a time: parallel connections must not each get a guess
    // in before the first one's failure is counted.
    if (counter.pending > 0 && counter.failures + counter.pending >= policy.freeFailures) return IN_FLIGHT_WAIT_MS;
    return 0;
  }

  /** The counter an admitted attempt holds a place in, with that place given back. */
  #settle(map: LruMap<string, Counter>, key: string, policy: ThrottlePolicy, now: number): Counter {
    const counter = this.#counter(map, key, policy, now, true)!;
    counter.pending = Math.max(0, counter.pending - 1);
    return counter;
  }

  #count(counter: Counter, policy: ThrottlePolicy, now: number, scope: ThrottleScope, started: BlockStart[]): number {
    counter.failures++;
    counter.lastFailureAt = now;
    counter.blockedUntil = now + delayAfter(counter.failures, policy);
    if (counter.failures === policy.freeFailures + 1) started.push({ scope, failures: counter.failures, until: counter.blockedUntil });
    return counter.failures;
  }
}

function pairKey(attempt: Attempt): string {
  return `${attempt.client ?? "unknown"} ${attempt.account}`;
}

function uncount(counter: Counter, failures: number, policy: ThrottlePolicy): void {
  if (failures === 0) return;
  counter.failures = Math.max(0, counter.failures - failures);
  counter.blockedUntil = counter.lastFailureAt + delayAfter(counter.failures, policy);
}
