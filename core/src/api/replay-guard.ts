// Remembers the nonces of signed requests for as long as their timestamps are acceptable, so a
// captured request cannot be sent a second time. Entries expire with the signature window.
import { SIGNATURE_MAX_SKEW_MS } from "../../../shared/signing.ts";

export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs = 2 * SIGNATURE_MAX_SKEW_MS) {
    this.#windowMs = windowMs;
  }

  /** True the first time a nonce is offered inside the window, false for a replay. */
  accept(nonce: string, now = Date.now()): boolean {
    if (this.#seen.size > 10_000) this.#sweep(now);
    const expires = this.#seen.get(nonce);
    if (expires !== undefined && expires > now) return false;
    this.#seen.set(nonce, now + this.#windowMs);
    return true;
  }

  #sweep(now: number): void {
    for (const [nonce, expires] of this.#seen) if (expires <= now) this.#seen.delete(nonce);
  }
}
