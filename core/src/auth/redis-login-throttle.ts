// The login counts of login-throttle.ts kept for the whole region in its Redis (UPSTASH_REDIS_REST_URL),
// so a guesser spread over the region's cores gets one allowance, not one per core. The same rules,
// written as three small Lua scripts, each run atomically in one round trip: a login costs two (the
// admission, then its settlement: failed, succeeded or abandoned).
//
// This core's memory counts too (the LoginThrottle it wraps), as the fallback when Redis cannot
// answer; while Redis answers, it alone decides (this core's memory does not see a success at another
// core, nor the trust an address earned there, and would refuse where the region's counts do not).
// Redis down, each core goes back to counting on its own — an attacker gets at most the per-core
// allowance of each core, as before Redis was configured — and no owner is locked out by the outage.
// Neither failing open (unlimited guesses for as long as the outage lasts) nor closed (every password
// login refused, the owner's included) fits a password door; a local limiter as insurance is what
// rate-limiter-flexible calls its `insuranceLimiter`, where Envoy's global rate limit can only choose
// between the other two (`failure_mode_deny`).
//
// Keys (per region's Redis): edgemail:login:ip:<client> and edgemail:login:acct:<account> (hashes:
// f failures, l last failure, b blocked until), each with a sorted set of the attempts in flight
// (edgemail:login:ip-pending:<client>, …:acct-pending:<account>; scored by when they are given up: a
// core that dies mid-check cannot hold a place for ever), edgemail:login:pair:<client> <account> (the
// failures a success clears) and edgemail:login:trusted:<account> (client → last sign-in). Counts
// expire as in memory (forgetAfterMs after the last failure), so Redis holds nothing stale.
import { randomBytes } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { clientNetwork } from "../../../shared/ip-ranges.ts";
import type { Logger } from "../log.ts";
import {
  accountPolicy,
  clientPolicy,
  IN_FLIGHT_WAIT_MS,
  TRUSTED_FOR_MS,
  TRUSTED_PER_ACCOUNT,
  type Admission,
  type Attempt,
  type BlockStart,
  type CountedFailure,
  type LoginLimits,
  type LoginThrottle,
  type ThrottlePolicy,
} from "./login-throttle.ts";

/** A password check never takes this long; an attempt in flight longer is no longer counted as one. */
const PENDING_TTL_MS = 60_000;
/** One warning per outage stretch, not one per login. */
const WARN_EVERY_MS = 10_000;
/** After Redis failed to answer, logins count in memory alone for this long before Redis is tried
 * again: an unreachable Redis costs its timeout once, not on every login. */
const RETRY_AFTER_OUTAGE_MS = 5_000;

const DELAY = `
local function delay(f, free, first, max)
  local beyond = f - free
  if beyond <= 0 then return 0 end
  return math.min(max, first * 2 ^ math.min(beyond - 1, 40))
end
`;

// KEYS: client counter, client pending, account counter, account pending, trusted.
// ARGV: now, has client, client, id, client free, account free, in-flight wait, pending ttl, trusted for,
// client forget after, account forget after.
// → {admitted, retry after ms, scope (0 ip, 1 account)}
const ADMIT = `
local now = tonumber(ARGV[1])
local hasClient = ARGV[2] == '1'
local id = ARGV[4]
local inFlight = tonumber(ARGV[7])
local pendingTtl = tonumber(ARGV[8])
local function wait(counter, pending, free, forget)
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', now)
  local p = redis.call('ZCARD', pending)
  -- Forgotten as in memory, by the caller's clock (the key's own expiry is a backstop by Redis's).
  if p == 0 and now - tonumber(redis.call('HGET', counter, 'l') or '0') >= forget then redis.call('DEL', counter) end
  local b = tonumber(redis.call('HGET', counter, 'b') or '0')
  if b > now then return b - now end
  -- Past the free failures, one attempt at a time: parallel connections must not each get a guess in
  -- before the first one's failure is counted.
  if p > 0 and tonumber(redis.call('HGET', counter, 'f') or '0') + p >= free then return inFlight end
  return 0
end
local cw = 0
local trusted = false
if hasClient then
  cw = wait(KEYS[1], KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[10]))
  local at = redis.call('ZSCORE', KEYS[5], ARGV[3])
  trusted = at and now - tonumber(at) < tonumber(ARGV[9])
end
local aw = 0
if not trusted then aw = wait(KEYS[3], KEYS[4], tonumber(ARGV[6]), tonumber(ARGV[11])) end
if cw > 0 or aw > 0 then
  local scope = 0
  if aw > cw then scope = 1 end
  return {0, math.max(cw, aw), scope}
end
if hasClient then
  redis.call('ZADD', KEYS[2], now + pendingTtl, id)
  redis.call('PEXPIRE', KEYS[2], pendingTtl)
end
redis.call('ZADD', KEYS[4], now + pendingTtl, id)
redis.call('PEXPIRE', KEYS[4], pendingTtl)
return {1, 0, 0}
`;

// KEYS: client counter, client pending, account counter, account pending, trusted, pair.
// ARGV: now, has client, client, id, then free/first/max/forget for the client and for the account.
// → {client failures, account failures, client block started (0/1), its end, account block started, its end}
const FAILED = `${DELAY}
local now = tonumber(ARGV[1])
local id = ARGV[4]
local function count(counter, pending, o)
  redis.call('ZREM', pending, id)
  local free, first, max, forget = tonumber(ARGV[o]), tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  local f = redis.call('HINCRBY', counter, 'f', 1)
  local b = now + delay(f, free, first, max)
  redis.call('HSET', counter, 'l', now, 'b', b)
  redis.call('PEXPIRE', counter, forget)
  if f == free + 1 then return f, 1, b end
  return f, 0, b
end
local cf, cs, cb = 0, 0, 0
if ARGV[2] == '1' then cf, cs, cb = count(KEYS[1], KEYS[2], 5) end
redis.call('HINCRBY', KEYS[6], 'f', 1)
redis.call('HSET', KEYS[6], 'l', now)
redis.call('PEXPIRE', KEYS[6], math.max(tonumber(ARGV[8]), tonumber(ARGV[12])))
local af, as, ab = count(KEYS[3], KEYS[4], 9)
return {cf, af, cs, cb, as, ab}
`;

// KEYS and ARGV as FAILED's, then ARGV[13] trusted for, ARGV[14] trusted addresses kept per account.
const SUCCEEDED = `${DELAY}
local now = tonumber(ARGV[1])
local id = ARGV[4]
local pf = tonumber(redis.call('HGET', KEYS[6], 'f') or '0')
local pl = tonumber(redis.call('HGET', KEYS[6], 'l') or '0')
redis.call('DEL', KEYS[6])
-- Only the failures of this client at this account are taken back, and only those still in the count.
local function uncount(counter, pending, o)
  redis.call('ZREM', pending, id)
  local free, first, max, forget = tonumber(ARGV[o]), tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  if pf == 0 or now - pl >= forget or redis.call('EXISTS', counter) == 0 then return end
  local f = math.max(0, tonumber(redis.call('HGET', counter, 'f') or '0') - pf)
  local l = tonumber(redis.call('HGET', counter, 'l') or '0')
  redis.call('HSET', counter, 'f', f, 'b', l + delay(f, free, first, max))
end
uncount(KEYS[3], KEYS[4], 9)
if ARGV[2] == '1' then
  uncount(KEYS[1], KEYS[2], 5)
  redis.call('ZADD', KEYS[5], now, ARGV[3])
  local n = redis.call('ZCARD', KEYS[5])
  local keep = tonumber(ARGV[14])
  if n > keep then redis.call('ZREMRANGEBYRANK', KEYS[5], 0, n - keep - 1) end
  redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[13]))
end
return 1
`;

const ABANDONED = `
if ARGV[1] == '1' then redis.call('ZREM', KEYS[2], ARGV[2]) end
redis.call('ZREM', KEYS[4], ARGV[2])
return 1
`;

const policyArgs = (p: ThrottlePolicy) => [p.freeFailures, p.firstDelayMs, p.maxDelayMs, p.forgetAfterMs].map(String);

export class RedisLoginThrottle implements LoginLimits {
  readonly #memory: LoginThrottle;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #scripts;
  #warnedAt = -Infinity;
  #skipUntil = -Infinity;

  constructor(deps: { redis: Redis; memory: LoginThrottle; log: Logger; now?: () => number }) {
    this.#memory = deps.memory;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    // EVALSHA, and EVAL once when Redis does not know the script yet (a new or restarted server).
    this.#scripts = {
      admit: deps.redis.createScript<number[]>(ADMIT),
      failed: deps.redis.createScript<number[]>(FAILED),
      succeeded: deps.redis.createScript<number>(SUCCEEDED),
      abandoned: deps.redis.createScript<number>(ABANDONED),
    };
  }

  async admit(ip: string, account: string): Promise<Admission> {
    const local = this.#memory.admit(ip, account);
    if (Date.now() < this.#skipUntil) return local;
    const client = local.admitted ? local.attempt.client : clientNetwork(ip);
    const attempt = { client, account };
    const id = randomBytes(12).toString("base64url");
    try {
      const [admitted, retryAfterMs, scope] = await this.#scripts.admit.exec(
        keys(attempt),
        [this.#now(), client === null ? 0 : 1, client ?? "", id, clientPolicy.freeFailures, accountPolicy.freeFailures, IN_FLIGHT_WAIT_MS, PENDING_TTL_MS, TRUSTED_FOR_MS, clientPolicy.forgetAfterMs, accountPolicy.forgetAfterMs].map(String),
      );
      if (admitted === 1) return { admitted: true, attempt: { ...attempt, id } };
      if (local.admitted) this.#memory.abandoned(local.attempt);
      return { admitted: false, retryAfterMs: Number(retryAfterMs), scope: scope === 1 ? "account" : "ip" };
    } catch (err) {
      this.#outage(err);
      return local;
    }
  }

  async failed(attempt: Attempt): Promise<CountedFailure> {
    const local = this.#memory.failed(attempt);
    if (!attempt.id) return local;
    try {
      const [clientFailures, accountFailures, clientStarted, clientUntil, accountStarted, accountUntil] = (await this.#scripts.failed.exec(keys(attempt), this.#settleArgs(attempt))).map(Number) as [number, number, number, number, number, number];
      const started: BlockStart[] = [];
      if (clientStarted === 1) started.push({ scope: "ip", failures: clientFailures, until: clientUntil });
      if (accountStarted === 1) started.push({ scope: "account", failures: accountFailures, until: accountUntil });
      return { clientFailures, accountFailures, started };
    } catch (err) {
      this.#outage(err);
      return local;
    }
  }

  async succeeded(attempt: Attempt): Promise<void> {
    this.#memory.succeeded(attempt);
    if (!attempt.id) return;
    try {
      await this.#scripts.succeeded.exec(keys(attempt), [...this.#settleArgs(attempt), String(TRUSTED_FOR_MS), String(TRUSTED_PER_ACCOUNT)]);
    } catch (err) {
      this.#outage(err);
    }
  }

  async abandoned(attempt: Attempt): Promise<void> {
    this.#memory.abandoned(attempt);
    if (!attempt.id) return;
    try {
      await this.#scripts.abandoned.exec(keys(attempt), [attempt.client === null ? "0" : "1", attempt.id]);
    } catch (err) {
      this.#outage(err);
    }
  }

  #settleArgs(attempt: Attempt): string[] {
    return [String(this.#now()), attempt.client === null ? "0" : "1", attempt.client ?? "", attempt.id!, ...policyArgs(clientPolicy), ...policyArgs(accountPolicy)];
  }

  #outage(err: unknown): void {
    const now = Date.now();
    this.#skipUntil = now + RETRY_AFTER_OUTAGE_MS;
    if (now - this.#warnedAt < WARN_EVERY_MS) return;
    this.#warnedAt = now;
    this.#log.warn("auth: the shared login counts cannot be reached; this core counts on its own meanwhile", { err: String(err) });
  }
}

function keys(attempt: Attempt): string[] {
  const client = attempt.client ?? "unknown";
  // The kind of key before the user's text: an account typed as "x:pending" must not land on another's key.
  return [`edgemail:login:ip:${client}`, `edgemail:login:ip-pending:${client}`, `edgemail:login:acct:${attempt.account}`, `edgemail:login:acct-pending:${attempt.account}`, `edgemail:login:trusted:${attempt.account}`, `edgemail:login:pair:${client} ${attempt.account}`];
}
