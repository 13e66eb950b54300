// Failed logins are limited per client address and per account, at both password doors of a real
// core: SMTP submission's AUTH over sockets (clients on different loopback addresses, 127.0.0.0/8)
// and the edge's login through the signed internal API. The limits' clock is the test's, so a block
// ends by moving it rather than by waiting minutes.
//
// The same expectations hold for a region of two cores sharing the counts in Redis (through our
// Upstash REST front, before a real redis-server), each attempt going to the other core than the one
// before: each core's memory sees only half of them, so the limits are reached only if they are counted
// across both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internalApi } from "../../../test/support/internal-api.ts";
import { REDIS_MISSING, startTestRedis, type TestRedis } from "../../../test/support/redis.ts";
import { smtpConnect } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { readEvents } from "../store/events.ts";

const PASSWORD = "correct horse battery";
const WRONG = "a wrong guess";
let clock = Date.parse("2026-12-01T10:00:00Z");

const setups = [
  { name: "one core, counting in its memory", redis: false },
  { name: `two cores sharing the counts in Redis, attempts alternating between them ${REDIS_MISSING ?? ""}`, redis: true },
];

describe.each(setups)("$name", ({ redis: withRedis }) => {
  let cores: TempCore[] = [];
  let redis: TestRedis | undefined;
  let turn = 0;
  /** The core for the next attempt: the other one each time. */
  const next = () => cores[turn++ % cores.length]!;
  const core = () => cores[0]!;

  beforeAll(async () => {
    if (withRedis && REDIS_MISSING) return;
    redis = withRedis ? await startTestRedis() : undefined;
    const first = await startTempCore({ ...redis?.env }, undefined, { now: () => clock });
    cores = [first];
    if (withRedis) cores.push(await startTempCore({ ...redis!.env, DIRECTORY_URL: first.config.directoryUrl, SHARDS: first.config.shards.map((s) => `${s.name}=${s.url}`).join(",") }, undefined, { now: () => clock }));
  }, 60_000);
  afterAll(async () => {
    for (const c of cores.reverse()) await c.destroy();
    await redis?.stop();
  });

  /** One AUTH PLAIN on a connection of its own from `ip`; the reply. */
  async function smtpAuth(ip: string, address: string, password: string): Promise<string> {
    const s = await smtpConnect(next().submissionPort, "127.0.0.1", ip);
    try {
      await s.command("EHLO app.test");
      return await s.command(`AUTH PLAIN ${Buffer.from(`\0${address}\0${password}`).toString("base64")}`);
    } finally {
      await s.close();
    }
  }

  const login = (body: Record<string, string>) => internalApi(next().apiPort)("POST", "/internal/v1/auth/login", body);
  const waitOf = (reply: string) => Number(/try again in (\d+) seconds?/.exec(reply)?.[1]);

  async function authFailures(user: { id: string; shard: string }, count: number): Promise<CoreEvent[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const page = await readEvents(core().shards.get(user.shard), user.id, 0, 100);
      const found = page!.events.filter((e) => e.type === "security.auth-failures");
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  describe.skipIf(withRedis && REDIS_MISSING)("failed logins at SMTP submission", () => {
    it("refuses the right password after 15 wrong ones in a second, until the wait is over", async () => {
      const alice = await core().addUser("alice@example.test", PASSWORD);
      const replies: string[] = [];
      for (let i = 0; i < 15; i++) replies.push(await smtpAuth("127.0.0.2", "alice@example.test", WRONG));
      // Ten free failures, the eleventh starts a 1 s wait; attempts inside it are not even checked.
      expect(replies.slice(0, 11).every((r) => r.startsWith("535 5.7.8"))).toBe(true);
      expect(replies.slice(11).every((r) => /^454 4\.7\.0 too many failed logins: try again in 1 second$/.test(r))).toBe(true);
      expect(await smtpAuth("127.0.0.2", "alice@example.test", PASSWORD)).toMatch(/^454 4\.7\.0 /);
      // Another client address is not held back by this one's failures.
      expect(await smtpAuth("127.0.0.3", "alice@example.test", PASSWORD)).toMatch(/^235 /);
      clock += 1000;
      expect(await smtpAuth("127.0.0.2", "alice@example.test", PASSWORD)).toMatch(/^235 /);
      // The success cleared this address's failures for alice: ten free ones again.
      for (let i = 0; i < 10; i++) expect(await smtpAuth("127.0.0.2", "alice@example.test", WRONG)).toMatch(/^535 /);

      const [event] = await authFailures(alice, 1);
      expect(event).toMatchObject({ type: "security.auth-failures", data: { protocol: "submission", ip: "127.0.0.2", failures: 11, blocked: "ip", until: new Date(clock).toISOString() } });
    });

    it("answers a wrong password for an unknown address exactly like one for a known address", async () => {
      await core().addUser("bob@example.test", PASSWORD);
      const known: string[] = [];
      const unknown: string[] = [];
      for (let i = 0; i < 13; i++) {
        known.push(await smtpAuth("127.0.0.4", "bob@example.test", WRONG));
        unknown.push(await smtpAuth("127.0.0.5", "nobody@example.test", WRONG));
      }
      expect(unknown).toEqual(known);
      expect(known.at(-1)).toMatch(/^454 4\.7\.0 /);
      // The account limit is reached for unknown addresses as for known ones (a guesser spread over
      // many addresses must not learn which addresses exist from which ones get blocked).
      for (let i = 0; i < 10; i++) {
        known.push(await smtpAuth(`127.0.4.${i + 1}`, "bob@example.test", WRONG));
        unknown.push(await smtpAuth(`127.0.5.${i + 1}`, "nobody@example.test", WRONG));
      }
      expect(await smtpAuth("127.0.4.99", "bob@example.test", WRONG)).toMatch(/^454 4\.7\.0 /);
      expect(await smtpAuth("127.0.5.99", "nobody@example.test", WRONG)).toMatch(/^454 4\.7\.0 /);
      expect(unknown).toEqual(known);
    });

    it("doubles the wait with every further failure, up to 15 minutes, and forgets after a quiet day", async () => {
      await core().addUser("erin@example.test", PASSWORD);
      for (let i = 0; i < 10; i++) expect(await smtpAuth("127.0.0.6", "erin@example.test", WRONG)).toMatch(/^535 /);
      const waits: number[] = [];
      for (let i = 0; i < 13; i++) {
        expect(await smtpAuth("127.0.0.6", "erin@example.test", WRONG)).toMatch(/^535 /);
        const refused = await smtpAuth("127.0.0.6", "erin@example.test", WRONG);
        expect(refused).toMatch(/^454 4\.7\.0 /);
        waits.push(waitOf(refused));
        clock += waits.at(-1)! * 1000;
      }
      expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
      clock += 24 * 60 * 60_000;
      expect(await smtpAuth("127.0.0.6", "erin@example.test", WRONG)).toMatch(/^535 /);
      expect(await smtpAuth("127.0.0.6", "erin@example.test", PASSWORD)).toMatch(/^235 /);
    });

    it("blocks an account guessed at from many addresses, except from an address that signed in to it before", async () => {
      const carol = await core().addUser("carol@example.test", PASSWORD);
      expect(await smtpAuth("127.0.0.10", "carol@example.test", PASSWORD)).toMatch(/^235 /);
      // 21 clients, one guess each: none reaches its own limit, the account does.
      for (let i = 1; i <= 21; i++) expect(await smtpAuth(`127.0.1.${i}`, "carol@example.test", WRONG)).toMatch(/^535 /);
      expect(await smtpAuth("127.0.1.50", "carol@example.test", PASSWORD)).toMatch(/^454 4\.7\.0 .*1 second$/);
      expect(await smtpAuth("127.0.0.10", "carol@example.test", PASSWORD)).toMatch(/^235 /);

      const [event] = await authFailures(carol, 1);
      expect(event).toMatchObject({ data: { protocol: "submission", ip: "127.0.1.21", failures: 21, blocked: "account", until: new Date(clock + 1000).toISOString() } });
      // The block ends after its time.
      clock += 1000;
      expect(await smtpAuth("127.0.1.50", "carol@example.test", PASSWORD)).toMatch(/^235 /);
      // One event per block, not per attempt: the account's further failures (from the trusted address,
      // which the account block does not hold back) add none; that address's own block adds one.
      for (let i = 0; i < 11; i++) expect(await smtpAuth("127.0.0.10", "carol@example.test", WRONG)).toMatch(/^535 /);
      expect(await smtpAuth("127.0.0.10", "carol@example.test", PASSWORD)).toMatch(/^454 /);
      const events = await authFailures(carol, 2);
      expect(events.map((e) => e.type === "security.auth-failures" && [e.data.blocked, e.data.ip, e.data.failures])).toEqual([
        ["account", "127.0.1.21", 21],
        ["ip", "127.0.0.10", 11],
      ]);
    });
  });

  describe.skipIf(withRedis && REDIS_MISSING)("failed logins at the HTTP login (core's internal API)", () => {
    it("answers 429 with Retry-After past the limit, the right password too, until the wait is over", async () => {
      await core().addUser("dave@example.test", PASSWORD);
      const ip = "198.51.100.7";
      for (let i = 0; i < 11; i++) expect((await login({ address: "dave@example.test", password: WRONG, ip })).status).toBe(401);
      const refused = await login({ address: "dave@example.test", password: PASSWORD, ip });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(await refused.json()).toMatchObject({ type: "urn:edgemail:problem:too-many-requests", status: 429, detail: expect.stringContaining("1 second") });
      // The same answer for an address that does not exist.
      for (let i = 0; i < 11; i++) expect((await login({ address: "ghost@example.test", password: WRONG, ip: "198.51.100.8" })).status).toBe(401);
      const ghost = await login({ address: "ghost@example.test", password: WRONG, ip: "198.51.100.8" });
      expect([ghost.status, ghost.headers.get("retry-after")]).toEqual([429, "1"]);
      clock += 1000;
      expect((await login({ address: "dave@example.test", password: PASSWORD, ip })).status).toBe(200);
    });

    it("counts both doors against one account", async () => {
      const frank = await core().addUser("frank@example.test", PASSWORD);
      for (let i = 1; i <= 12; i++) expect(await smtpAuth(`127.0.3.${i}`, "frank@example.test", WRONG)).toMatch(/^535 /);
      for (let i = 1; i <= 9; i++) expect((await login({ address: "frank@example.test", password: WRONG, ip: `203.0.113.${i}` })).status).toBe(401);
      expect((await login({ address: "frank@example.test", password: PASSWORD, ip: "203.0.113.99" })).status).toBe(429);
      expect(await smtpAuth("127.0.3.99", "frank@example.test", PASSWORD)).toMatch(/^454 4\.7\.0 /);
      const [event] = await authFailures(frank, 1);
      expect(event).toMatchObject({ data: { protocol: "login", ip: "203.0.113.9", failures: 21, blocked: "account" } });
    });

    it("takes the client's address as an optional ip field of at most 64 characters", async () => {
      await core().addUser("gina@example.test", PASSWORD);
      expect((await login({ address: "gina@example.test", password: PASSWORD })).status).toBe(200);
      const long = await login({ address: "gina@example.test", password: PASSWORD, ip: "x".repeat(65) });
      expect(long.status).toBe(400);
      expect(await long.json()).toMatchObject({ errors: [{ field: "ip" }] });
    });
  });
});
