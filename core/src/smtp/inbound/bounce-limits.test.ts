import { describe, expect, it } from "vitest";
import { BounceLimits, SRS_BOUNCE_LIMITS } from "./bounce-limits.ts";

const HOUR = 3_600_000;
const t0 = Date.UTC(2026, 10, 24);

function takeMany(limits: BounceLimits, n: number, client: string, returnTo: (i: number) => string, now = t0): boolean[] {
  return Array.from({ length: n }, (_, i) => limits.take(client, returnTo(i), now));
}

describe("bounce limits", () => {
  it("lets one original sender's bounces through at 20 at once, then 20 an hour", () => {
    const limits = new BounceLimits();
    expect(takeMany(limits, 21, "192.0.2.1", () => "Carol@remote.test")).toEqual([...Array<boolean>(20).fill(true), false]);
    // From another client it is still the same original sender.
    expect(limits.take("192.0.2.2", "carol@remote.test", t0)).toBe(false);
    expect(limits.take("192.0.2.1", "dave@remote.test", t0)).toBe(true);
    expect(takeMany(limits, 2, "192.0.2.1", () => "carol@remote.test", t0 + HOUR / 20)).toEqual([true, false]);
    expect(takeMany(limits, 21, "192.0.2.1", () => "carol@remote.test", t0 + 2 * HOUR)).toEqual([...Array<boolean>(20).fill(true), false]);
  });

  it("lets one client through at 100 at once, then 100 an hour, whatever the senders", () => {
    const limits = new BounceLimits();
    expect(takeMany(limits, 101, "192.0.2.1", (i) => `s${i}@remote.test`).filter(Boolean)).toHaveLength(SRS_BOUNCE_LIMITS.perClient.burst);
    expect(limits.take("192.0.2.9", "s200@remote.test", t0)).toBe(true);
    expect(limits.take("192.0.2.1", "s201@remote.test", t0 + HOUR / 100)).toBe(true);
  });

  it("counts an IPv6 client by its /64", () => {
    const limits = new BounceLimits({ ...SRS_BOUNCE_LIMITS, perClient: { burst: 2, perHour: 2 } });
    expect([limits.take("2001:db8:1:2::a", "a@r.test", t0), limits.take("2001:db8:1:2::b", "b@r.test", t0), limits.take("2001:db8:1:2::c", "c@r.test", t0)]).toEqual([true, true, false]);
    expect(limits.take("2001:db8:1:3::a", "d@r.test", t0)).toBe(true);
  });

  it("tracks a bounded number of keys: full buckets make room, draining ones are kept and new keys wait", () => {
    const limits = new BounceLimits({ perClient: { burst: 1000, perHour: 1000 }, perSender: { burst: 2, perHour: 1 }, maxTracked: 3 });
    expect(takeMany(limits, 3, "192.0.2.1", (i) => `s${i}@remote.test`)).toEqual([true, true, true]);
    // Three senders draining: a fourth cannot be tracked, so it is deferred, not let through untracked.
    expect(limits.take("192.0.2.1", "s3@remote.test", t0)).toBe(false);
    // Once their buckets are full again they carry nothing and give way.
    expect(limits.take("192.0.2.1", "s3@remote.test", t0 + 2 * HOUR)).toBe(true);
  });
});
