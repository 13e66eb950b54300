// Remembers the nonces of signed requests for as long as their timestamps are acceptable, so a
// captured request cannot be sent a second time. Entries expire with the signature window.
//
// A request is signed for one core's origin (shared/signing.ts), so this process's memory is enough
// where the edge reaches each core by its own URL. Cores behind one URL (a load balancer) share an
// origin; they also share the nonces in a store (Redis through UPSTASH_REDIS_REST_URL, or a libSQL
// database, REPLAY_STORE_URL), after the memory has refused what this process saw itself without a round trip.
import { SIGNATURE_MAX_SKEW_MS } from "../../../shared/signing.ts";
import type { ReplayNonceStore } from "../store/replay-nonces.ts";

export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  readonly #shared: ReplayNonceStore | null;

  constructor(shared: ReplayNonceStore | null = null, windowMs = 2 * SIGNATURE_MAX_SKEW_MS) {
    this.#shared = shared;
    this.#windowMs = windowMs;
  }

  /** True the first time a nonce is offered inside the window, false for a replay. Throws when the
   * shared store cannot be asked (the caller refuses the request: unchecked is not accepted). */
  async accept(nonce: string, now = Date.now()): Promise<boolean> {
    if (this.#seen.size > 10_000) this.#sweep(now);
    const expires = this.#seen.get(nonce);
    if (expires !== undefined && expires > now) return false;
    this.#seen.set(nonce, now + this.#windowMs);
    return this.#shared ? this.#shared.accept(nonce, now + this.#windowMs, now) : true;
  }

  #sweep(now: number): void {
    for (const [nonce, expires] of this.#seen) if (expires <= now) this.#seen.delete(nonce);
  }
}
