// The shared login counts at the level of two cores' throttles on one Redis (our Upstash REST front
// before a real redis-server), for what the door tests cannot time: attempts in flight at the same
// moment on two cores, a core that dies in the middle of a check, and Redis going away.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_MISSING, startTestRedis, type TestRedis } from "../../../test/support/redis.ts";
import type { Logger } from "../log.ts";
import { openUpstash } from "../store/upstash.ts";
import { LoginThrottle, type Admission, type Attempt } from "./login-throttle.ts";
import { RedisLoginThrottle } from "./redis-login-throttle.ts";

let redis: TestRedis;
let now = Date.parse("2026-12-01T10:00:00Z");
const warnings: string[] = [];
const log = { debug() {}, info() {}, warn: (msg: string) => warnings.push(msg), error() {}, child: () => log } as unknown as Logger;

function core(): RedisLoginThrottle {
  return new RedisLoginThrottle({ redis: openUpstash({ url: redis.env.UPSTASH_REDIS_REST_URL, token: redis.env.UPSTASH_REDIS_REST_TOKEN }), memory: new LoginThrottle({ now: () => now }), log, now: () => now });
}

function admitted(a: Admission): Attempt {
  if (!a.admitted) throw new Error(`refused: ${JSON.stringify(a)}`);
  return a.attempt;
}

describe.skipIf(REDIS_MISSING)(`the login counts shared in Redis ${REDIS_MISSING ?? ""}`, () => {
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis?.stop());

  it("past the free failures, lets one attempt at a time through across the cores", async () => {
    const [a, b] = [core(), core()];
    for (let i = 0; i < 10; i++) await (i % 2 ? a : b).failed(admitted(await (i % 2 ? a : b).admit("192.0.2.10", `u${i}@example.test`)));
    const inFlight = admitted(await a.admit("192.0.2.10", "x@example.test"));
    expect(await b.admit("192.0.2.10", "y@example.test")).toEqual({ admitted: false, retryAfterMs: 1000, scope: "ip" });
    const counted = await a.failed(inFlight);
    expect(counted).toMatchObject({ clientFailures: 11, started: [{ scope: "ip", failures: 11, until: now + 1000 }] });
    expect(await b.admit("192.0.2.10", "y@example.test")).toEqual({ admitted: false, retryAfterMs: 1000, scope: "ip" });
    now += 1000;
    expect((await b.admit("192.0.2.10", "y@example.test")).admitted).toBe(true);
  });

  it("gives up the place of an attempt whose core died before settling it, after a minute", async () => {
    const [a, b] = [core(), core()];
    for (let i = 0; i < 10; i++) await a.failed(admitted(await a.admit("192.0.2.20", `v${i}@example.test`)));
    admitted(await a.admit("192.0.2.20", "w@example.test")); // never settled
    expect(await b.admit("192.0.2.20", "w@example.test")).toMatchObject({ admitted: false, scope: "ip" });
    now += 60_000;
    expect((await b.admit("192.0.2.20", "w@example.test")).admitted).toBe(true);
  });

  it("falls back on each core's own counts while Redis is down, with one warning each", { timeout: 30_000 }, async () => {
    const [a, b] = [core(), core()];
    await redis.kill();
    try {
      const before = warnings.length;
      // Each core allows its own ten: twenty failures in all, not ten, but not unlimited either.
      for (const c of [a, b]) for (let i = 0; i < 11; i++) await c.failed(admitted(await c.admit("192.0.2.30", "owner@example.test")));
      for (const c of [a, b]) expect(await c.admit("192.0.2.30", "owner@example.test")).toMatchObject({ admitted: false, scope: "ip" });
      // The owner, from another address, is not locked out by the outage.
      await a.succeeded(admitted(await a.admit("192.0.2.31", "owner@example.test")));
      expect(warnings.length - before).toBe(2); // one per core, not one per login
      expect(warnings.at(-1)).toContain("this core counts on its own");
    } finally {
      await redis.restart();
    }
  });
});
