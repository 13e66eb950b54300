// Two cores behind one origin sharing the region's Redis (UPSTASH_REDIS_REST_URL, our REST front before a
// real redis-server): a signed request one core took is refused by the other. Then redis-server is
// killed: every signed request gets 503 with Retry-After and is not served (unchecked is not accepted),
// while password logins at SMTP submission go on, limited by each core's own counts; once Redis is back,
// requests pass again. A Redis that hangs instead of refusing costs the 2 s timeout, then the same 503.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../../shared/signing.ts";
import { REDIS_MISSING, startTestRedis, type TestRedis } from "../../../test/support/redis.ts";
import { startS3Server, type TestS3Server } from "../../../test/support/s3-server.ts";
import { smtpConnect } from "../../../test/support/smtp-client.ts";
import { startTempCore, TEST_SECRET, type TempCore } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";

const LB = "https://core.region.test";
let redis: TestRedis;
let s3: TestS3Server;
let c: TempCore;
let d: TempCore;
let alice: { id: string };
const origin = (core: TempCore) => `http://127.0.0.1:${core.apiPort}`;

async function smtpAuth(core: TempCore, ip: string, password: string): Promise<string> {
  const s = await smtpConnect(core.submissionPort, "127.0.0.1", ip);
  try {
    await s.command("EHLO app.test");
    return await s.command(`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${password}`).toString("base64")}`);
  } finally {
    await s.close();
  }
}

describe.skipIf(REDIS_MISSING)(`cores behind one origin, sharing their nonces in Redis ${REDIS_MISSING ?? ""}`, () => {
  beforeAll(async () => {
    redis = await startTestRedis();
    s3 = await startS3Server("edgemail-replay-redis");
    c = await startTempCore({ ...s3.env, ...redis.env, API_URLS: LB });
    d = await startTempCore({ ...s3.env, ...redis.env, API_URLS: LB, DIRECTORY_URL: c.config.directoryUrl, SHARDS: c.config.shards.map((s) => `${s.name}=${s.url}`).join(",") });
    alice = await c.addUser("alice@example.test", "correct horse battery");
  }, 60_000);
  afterAll(async () => {
    await d?.destroy();
    await c?.destroy();
    await s3?.close();
    await redis?.stop();
  });

  const folders = () => `/internal/v1/users/${alice.id}/folders`;
  const signed = () => signRequest(TEST_SECRET, LB, { method: "GET", pathAndQuery: folders(), body: "" });

  it("refuses at one core a request the other took, and accepts fresh ones at either", async () => {
    const headers = await signed();
    expect((await fetch(origin(c) + folders(), { headers })).status).toBe(200);
    const atD = await fetch(origin(d) + folders(), { headers });
    expect(atD.status).toBe(401);
    expect(((await atD.json()) as { detail: string }).detail).toContain("replayed");
    for (const core of [c, d, c, d]) expect((await fetch(origin(core) + folders(), { headers: await signed() })).status).toBe(200);
  });

  it("answers 503 with Retry-After while Redis is down, serving nothing, logins going on per core; then recovers", { timeout: 60_000 }, async () => {
    await redis.kill();
    const headers = await signed();
    for (const core of [c, d]) {
      const down = await fetch(origin(core) + folders(), { headers });
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("2");
      expect(down.headers.get("content-type")).toBe("application/problem+json");
      const body = (await down.json()) as { detail: string };
      expect(body.detail).toContain("replay check");
      expect(body).not.toHaveProperty("folders");
    }
    // Password logins: the owner still signs in; a guesser is held to this core's own limit.
    expect(await smtpAuth(c, "127.0.0.21", "correct horse battery")).toMatch(/^235 /);
    for (let i = 0; i < 11; i++) expect(await smtpAuth(c, "127.0.0.22", "wrong")).toMatch(/^535 /);
    expect(await smtpAuth(c, "127.0.0.22", "correct horse battery")).toMatch(/^454 4\.7\.0 /);

    await redis.restart();
    await until(async () => (await fetch(origin(c) + folders(), { headers: await signed() })).status === 200, "core c serving again", 30_000);
    expect((await fetch(origin(d) + folders(), { headers: await signed() })).status).toBe(200);
    // Redis decides again: the failures counted only in c's memory during the outage do not hold d back.
    expect(await smtpAuth(d, "127.0.0.22", "correct horse battery")).toMatch(/^235 /);
  });

  it("answers 503 once Redis has not answered for 2 s, when it hangs rather than refuses", { timeout: 30_000 }, async () => {
    process.kill(redis.server.pid, "SIGSTOP");
    try {
      const started = Date.now();
      const hung = await fetch(origin(c) + folders(), { headers: await signed() });
      expect(hung.status).toBe(503);
      expect(hung.headers.get("retry-after")).toBe("2");
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.kill(redis.server.pid, "SIGCONT");
    }
    await until(async () => (await fetch(origin(c) + folders(), { headers: await signed() })).status === 200, "core c serving again", 30_000);
  });
});
