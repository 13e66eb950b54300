// When to try a deferred delivery again: exponential backoff with jitter, like Postfix's queue
// (minimal_backoff_time 5 min doubling to maximal_backoff_time 1 h... here up to 4 h), until the
// message's lifetime ends.
export const FIRST_RETRY_MS = 5 * 60_000;
export const MAX_RETRY_MS = 4 * 3_600_000;

/** `attempts` is the number of attempts made so far (≥ 1). `random` is in [0, 1). */
export function nextAttemptAt(now: number, attempts: number, random: number = Math.random()): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  // ±20% jitter spreads retries of a burst so they do not hit the remote server together.
  return now + Math.round(base * (0.8 + 0.4 * random));
}
