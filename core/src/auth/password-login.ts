// The one password check of the core, for both doors that take a password: SMTP submission's AUTH
// and the edge's HTTP login (through the internal API). Each failure counts against the client's
// address and the account (login-throttle.ts); past the limits an attempt is refused at once, the
// right password too. Unknown addresses are counted and answered exactly like known ones, so neither
// the reply nor its timing tells which addresses exist. When a block starts for a known account,
// the user is told through their event log (security.auth-failures).
import { normalizeAddress } from "../../../shared/address.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { limits } from "../../../shared/limits.ts";
import { verifyPassword } from "../../../shared/password.ts";
import type { Logger } from "../log.ts";
import type { Directory, DirectoryUser } from "../store/directory.ts";
import { recordEventsAlone } from "../store/events.ts";
import type { Shards } from "../store/shards.ts";
import type { Redis } from "@upstash/redis";
import { LoginThrottle, type BlockStart, type LoginLimits } from "./login-throttle.ts";
import { RedisLoginThrottle } from "./redis-login-throttle.ts";

/** Verifying against a fixed hash when the address is unknown takes as long as for a real user. */
const DUMMY_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export type LoginProtocol = "submission" | "login";

export interface LoginAttempt {
  address: string;
  password: string;
  /** The client's address; "unknown" when the door does not know it (then only the account counts). */
  ip: string;
  protocol: LoginProtocol;
}

export type LoginOutcome = { kind: "ok"; user: DirectoryUser } | { kind: "wrong" } | { kind: "throttled"; retryAfterSeconds: number };

export interface PasswordLoginDeps {
  directory: Directory;
  shards: Shards;
  /** Hands recorded events to the notifier (to the user's Durable Object), as every mailbox change does. */
  publishEvents: (events: CoreEvent[]) => void;
  log: Logger;
  /** The throttle's clock; tests move it rather than wait minutes. */
  now?: () => number;
  /** The region's Redis (UPSTASH_REDIS_REST_URL): the counts are the region's, not this core's. */
  redis?: Redis | null;
}

export class PasswordLogin {
  readonly #deps: PasswordLoginDeps;
  /** This core's own counts (their sizes are in /healthz). */
  readonly throttle: LoginThrottle;
  /** What is asked: the region's counts in Redis, this core's alone without it. */
  readonly #limits: LoginLimits;

  constructor(deps: PasswordLoginDeps) {
    this.#deps = deps;
    this.throttle = new LoginThrottle({ now: deps.now });
    this.#limits = deps.redis ? new RedisLoginThrottle({ redis: deps.redis, memory: this.throttle, log: deps.log, now: deps.now }) : this.throttle;
  }

  async attempt(input: LoginAttempt): Promise<LoginOutcome> {
    const { directory, log } = this.#deps;
    const normalized = normalizeAddress(input.address);
    // Counted by address, the unknown ones too: an account block that only existing addresses could
    // reach would tell a guesser spread over many clients which addresses exist.
    const account = normalized ?? input.address.trim().toLowerCase().slice(0, limits.maxAddressLength);
    const admission = await this.#limits.admit(input.ip, account);
    if (!admission.admitted) {
      log.debug("auth: attempt refused while blocked", { protocol: input.protocol, ip: input.ip, blocked: admission.scope });
      return { kind: "throttled", retryAfterSeconds: Math.ceil(admission.retryAfterMs / 1000) };
    }
    const { attempt } = admission;
    let user: DirectoryUser | null;
    let ok: boolean;
    try {
      user = normalized ? await directory.userByAddress(normalized) : null;
      ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
    } catch (err) {
      await this.#limits.abandoned(attempt);
      throw err;
    }
    if (user && ok) {
      await this.#limits.succeeded(attempt);
      return { kind: "ok", user };
    }
    const counted = await this.#limits.failed(attempt);
    const who = { protocol: input.protocol, ip: input.ip, account: user?.id ?? "unknown" };
    log.warn("auth: wrong address or password", { ...who, failures: { ip: counted.clientFailures, account: counted.accountFailures } });
    for (const block of counted.started) {
      log.warn("auth: too many failures, further attempts must wait", { ...who, blocked: block.scope, failures: block.failures, until: new Date(block.until).toISOString() });
      // Not awaited: the answer to a known account must not take longer than to an unknown one.
      if (user) void this.#tellUser(user, input, block);
    }
    return { kind: "wrong" };
  }

  /** security.auth-failures in the user's event log, pushed like every mailbox event. A shard that
   * fails here is logged; the attempt's answer does not depend on it. */
  async #tellUser(user: DirectoryUser, input: LoginAttempt, block: BlockStart): Promise<void> {
    const data = { protocol: input.protocol, ip: input.ip, failures: block.failures, blocked: block.scope, until: new Date(block.until).toISOString() };
    try {
      const recorded = await recordEventsAlone(this.#deps.shards.get(user.shard), user.id, [{ type: "security.auth-failures", data }]);
      this.#deps.publishEvents(recorded.events);
    } catch (err) {
      this.#deps.log.error("auth: could not record security.auth-failures", { err, account: user.id });
    }
  }
}
