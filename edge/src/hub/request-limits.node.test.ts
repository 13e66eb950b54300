// The hub's per-user and per-key counts (request-limits.ts), with the clock given: the window slides,
// Retry-After is the wait until the oldest request leaves it, and a refused request spends nothing.
import { describe, expect, it } from "vitest";
import { rateLimits } from "../rate-limits.ts";
import { RequestLimits } from "./request-limits.ts";

const { user, key } = rateLimits;
const t0 = 1_700_000_000_000;

describe("RequestLimits", () => {
  it(`takes ${user.limit} requests of a user within ${user.period} s, then says when the next is taken`, () => {
    const limits = new RequestLimits();
    // Spread over the first 30 s of the window.
    for (let i = 0; i < user.limit; i++) expect(limits.take(null, t0 + (i * 30_000) / user.limit)).toBeNull();
    expect(limits.take(null, t0 + 30_000)).toEqual({ kind: "user", retryAfterSeconds: user.period - 30 });
    // The first request leaves the window a period after it came: one more is taken, then none.
    expect(limits.take(null, t0 + user.period * 1000 - 1)).toEqual({ kind: "user", retryAfterSeconds: 1 });
    expect(limits.take(null, t0 + user.period * 1000)).toBeNull();
    expect(limits.take(null, t0 + user.period * 1000)).not.toBeNull();
  });

  it("counts a key against its own limit first, and a request the key's limit refused against neither", () => {
    const limits = new RequestLimits();
    for (let i = 0; i < key.limit; i++) expect(limits.take("busy", t0)).toBeNull();
    for (let i = 0; i < 50; i++) expect(limits.take("busy", t0 + 1000)).toEqual({ kind: "key", retryAfterSeconds: key.period - 1 });
    // Another key and the user's sessions share what is left of the user's budget, no more.
    const left = user.limit - key.limit;
    for (let i = 0; i < left; i++) expect(limits.take(i % 2 ? "quiet" : null, t0 + 2000)).toBeNull();
    expect(limits.take("quiet", t0 + 2000)).toEqual({ kind: "user", retryAfterSeconds: user.period - 2 });
    expect(limits.take(null, t0 + 2000)).toEqual({ kind: "user", retryAfterSeconds: user.period - 2 });
  });

  it("keeps a bounded number of key counters", () => {
    const limits = new RequestLimits();
    for (let i = 0; i < 10_000; i++) limits.take(`key-${i}`, t0 + i * 10);
    // The user's own window still counts every one of them.
    expect(limits.take(null, t0 + 10_000 * 10)).toMatchObject({ kind: "user" });
  });
});
