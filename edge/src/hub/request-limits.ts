// Requests per user and per API key, counted by the user's Durable Object in the same call that checks
// the credential (MailboxHub.authorize). Every /api/v1 request but login already makes that call, so
// the count costs no further round trip, and one object sees all of its user's requests: the count is
// exact, where the Workers rate-limit binding is per location and approximate, and the answer can say
// exactly when the next request will be taken (Retry-After), where the binding says only yes or no.
// (The binding stays for logins: before a credential there is no user to count on.)
//
// A sliding window, exact: a ring of the times of the last `limit` requests taken. The slot about to be
// overwritten holds the oldest of them; while it is younger than the period, the window is full. O(1)
// per request, `limit` numbers of memory per counter. The counts live in the object's memory: when an
// idle object is evicted they start again, which only forgives a client that stopped sending.
import type { LimitVerdict } from "../hub-types.ts";
import { rateLimits } from "../rate-limits.ts";

class SlidingWindow {
  readonly #times: Float64Array;
  readonly #periodMs: number;
  #next = 0;

  constructor(limit: number, periodMs: number) {
    this.#periodMs = periodMs;
    // -Infinity: "long ago", so the first `limit` requests find room.
    this.#times = new Float64Array(limit).fill(-Infinity);
  }

  /** Milliseconds until there is room, 0 when there is room now. */
  waitMs(now: number): number {
    return Math.max(0, this.#times[this.#next]! + this.#periodMs - now);
  }

  take(now: number): void {
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.#times.length;
  }
}

/** API keys a user holds are few; a bound all the same, so no sequence of ids can grow the map. */
const MAX_KEY_WINDOWS = 256;

export class RequestLimits {
  #user: SlidingWindow | null = null;
  readonly #keys = new Map<string, SlidingWindow>();

  /** Counts one request of the user, through `keyId` when an API key made it. The key's own limit is
   * asked first (a runaway key does not spend its user's budget); a refused request counts against
   * neither. */
  take(keyId: string | null, now = Date.now()): LimitVerdict {
    this.#user ??= new SlidingWindow(rateLimits.user.limit, rateLimits.user.period * 1000);
    const key = keyId === null ? null : this.#keyWindow(keyId);
    for (const [kind, window] of [["key", key], ["user", this.#user]] as const) {
      if (!window) continue;
      const wait = window.waitMs(now);
      if (wait > 0) return { kind, retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    key?.take(now);
    this.#user.take(now);
    return null;
  }

  #keyWindow(keyId: string): SlidingWindow {
    let window = this.#keys.get(keyId);
    if (!window) {
      if (this.#keys.size >= MAX_KEY_WINDOWS) this.#keys.delete(this.#keys.keys().next().value!);
      window = new SlidingWindow(rateLimits.key.limit, rateLimits.key.period * 1000);
      this.#keys.set(keyId, window);
    }
    return window;
  }
}
