// Rate limits through the real parts: the login limit through wrangler.toml's Workers rate-limit binding
// (miniflare's local one), the per-user and per-key limits through the user's Durable Object.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, clientIp, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import { app } from "../index.ts";
import { rateLimits } from "../rate-limits.ts";

/**
 * The local login limiter counts in windows aligned to the wall clock (floor(now / period)); a burst that
 * straddled two windows would be counted half in each. Start it early in a window instead.
 */
async function freshWindow(periodSeconds: number, burstMs: number): Promise<void> {
  const left = periodSeconds * 1000 - (Date.now() % (periodSeconds * 1000));
  if (left < burstMs) await new Promise((resolve) => setTimeout(resolve, left + 200));
}

/** Sends `n` requests, `parallel` at a time, and returns their statuses. */
async function burst(n: number, parallel: number, request: (i: number) => Response | Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => request(i + j)));
    for (const res of batch) {
      statuses.push(res.status);
      await res.body?.cancel();
    }
  }
  return statuses;
}

async function expectTooMany(res: Response, kind: "login" | "user" | "key", policy: string): Promise<void> {
  const { period } = rateLimits[kind];
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  // The login binding says only yes or no, so a whole period; the hub's sliding window knows when its
  // oldest request leaves it, which a burst just sent puts near the end of the period.
  const retryAfter = Number(res.headers.get("retry-after"));
  if (kind === "login") expect(retryAfter).toBe(period);
  else expect(retryAfter).toBeGreaterThan(period - 15);
  expect(retryAfter).toBeLessThanOrEqual(period);
  expect(res.headers.get("ratelimit-policy")).toBe(policy);
  expect(res.headers.get("ratelimit")).toBe(`"${kind}";r=0;t=${retryAfter}`);
  const problem = (await res.json()) as { type: string; status: number; requestId: string };
  expect(problem).toMatchObject({ type: "urn:edgemail:problem:too-many-requests", status: 429 });
  expect(problem.requestId).toBe(res.headers.get("x-request-id"));
}

afterEach(() => vi.restoreAllMocks());

describe("login attempts per client IP", () => {
  it(`refuses attempt ${rateLimits.login.limit + 1} from one IP within the period, not another IP's`, async () => {
    const { limit, period } = rateLimits.login;
    await freshWindow(period, 10_000);
    const ip = clientIp();
    const attempt = (password: string, from = ip) =>
      api("/api/v1/auth/login", { method: "POST", json: { address: seed.lou.address, password }, headers: { "cf-connecting-ip": from } });
    for (let i = 0; i < limit; i++) {
      const res = await attempt("a wrong guess");
      expect(res.status, `attempt ${i + 1}`).toBe(401);
      expect(res.headers.get("ratelimit-policy")).toBe(`"login";q=${limit};w=${period}`);
    }
    // Even the right password: the limit is checked before the password is.
    await expectTooMany(await attempt(seed.lou.password), "login", `"login";q=${limit};w=${period}`);
    expect((await attempt(seed.lou.password, clientIp())).status).toBe(200);
  });

  it("counts the address Cloudflare gives, whatever other address headers the client sends", async () => {
    const { limit, period } = rateLimits.login;
    await freshWindow(period, 10_000);
    const ip = clientIp();
    // Headers a client can set to anything: none of them is the client's address.
    const spoofed = () => ({
      "cf-connecting-ip": ip,
      "x-forwarded-for": clientIp(),
      "x-real-ip": clientIp(),
      "true-client-ip": clientIp(),
      forwarded: `for="[${clientIp()}]"`,
    });
    const attempt = () => api("/api/v1/auth/login", { method: "POST", json: { address: seed.lou.address, password: "a wrong guess" }, headers: spoofed() });
    const statuses = await burst(limit + 1, 1, attempt);
    expect(statuses).toEqual([...Array(limit).fill(401), 429]);
  });

  it("counts an IPv6 client by its /64: other addresses of it get no fresh budget", async () => {
    const { limit, period } = rateLimits.login;
    await freshWindow(period, 10_000);
    const net = clientIp().replace(/::1$/, "");
    let host = 0;
    // A made-up address: the wrong guesses must not fall on an account other tests sign in to.
    const attempt = () => api("/api/v1/auth/login", { method: "POST", json: { address: "nobody@example.test", password: "a wrong guess" }, headers: { "cf-connecting-ip": `${net}::${(++host).toString(16)}` } });
    expect(await burst(limit + 1, 1, attempt)).toEqual([...Array(limit).fill(401), 429]);
  });

  it("records the login under that address", async () => {
    const ip = clientIp();
    const res = await api("/api/v1/auth/login", {
      method: "POST",
      json: { address: seed.alice.address, password: seed.alice.password },
      headers: { "cf-connecting-ip": ip, "x-forwarded-for": "203.0.113.7", "x-real-ip": "203.0.113.8" },
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const { sid } = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string };
    const { logins } = (await (await api("/api/v1/security/logins", { token })).json()) as { logins: { ip: string; sessionId: string }[] };
    expect(logins.find((l) => l.sessionId === sid)?.ip).toBe(ip);
  });

  it("refuses logins (503) where the runtime cannot tell the client's address, rather than share one budget", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app.request(
      "/api/v1/auth/login",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: seed.alice.address, password: seed.alice.password }) },
      env,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(error.mock.calls.map((call) => String(call[0])).join("\n")).toContain("no client address");
  });

  it("refuses logins, with Retry-After and an error logged, when the limiter itself fails", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = { limit: async () => { throw new Error("limiter unreachable"); } };
    const res = await app.request(
      "/api/v1/auth/login",
      { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": clientIp() }, body: JSON.stringify({ address: seed.alice.address, password: seed.alice.password }) },
      { ...env, LOGIN_LIMITER: broken },
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    const problem = (await res.json()) as { type: string; detail: string };
    expect(problem.type).toBe("urn:edgemail:problem:unavailable");
    expect(problem.detail).toContain("login rate limit");
    expect(error.mock.calls.map((call) => String(call[0])).join("\n")).toContain("rate limiter failed; request refused");
  });
});

describe("requests per user", () => {
  it(`refuses request ${rateLimits.user.limit + 1} of a user within the period, and only that user's`, async () => {
    const { limit, period } = rateLimits.user;
    const erin = await login(seed.erin.address, seed.erin.password);
    const alice = await login(seed.alice.address, seed.alice.password);
    const statuses = await burst(limit, 20, () => api("/api/v1/account", { token: erin }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const over = await api("/api/v1/folders", { token: erin });
    await expectTooMany(over, "user", `"user";q=${limit};w=${period}`);
    const others = await api("/api/v1/account", { token: alice });
    expect(others.status).toBe(200);
    expect(others.headers.get("ratelimit-policy")).toBe(`"user";q=${limit};w=${period}`);
  });

  it("counts a user's sessions together, also for the read the hub answers itself", async () => {
    const { limit, period } = rateLimits.user;
    // Two sessions of one user share the user's budget: the count is the hub's, per user.
    const [first, second] = [await login(seed.rita.address, seed.rita.password), await login(seed.rita.address, seed.rita.password)];
    const statuses = await burst(limit, 20, (i) => api("/api/v1/account", { token: i % 2 ? first : second }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The inbox head is one the hub answers itself in the credential call: past the limit it does not.
    await expectTooMany(await api("/api/v1/folders/inbox/messages?limit=20", { token: second }), "user", `"user";q=${limit};w=${period}`);
  });
});

describe("requests per API key", () => {
  it(`refuses a key's request ${rateLimits.key.limit + 1} with the key's policy, not the user's other keys`, async () => {
    const { limit, period } = rateLimits.key;
    const userLimit = rateLimits.user;
    // Henry, not Erin: Erin's user limit is spent by the test above.
    const session = await login(seed.henry.address, seed.henry.password);
    const make = async (name: string) => ((await (await api("/api/v1/api-keys", { method: "POST", token: session, json: { name, scopes: ["events"] } })).json()) as { key: string }).key;
    const [key, other] = [await make("busy"), await make("quiet")];
    const policy = `"key";q=${limit};w=${period}, "user";q=${userLimit.limit};w=${userLimit.period}`;
    const statuses = await burst(limit, 20, () => api("/api/v1/events?timeout=0", { token: key }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await expectTooMany(await api("/api/v1/events?timeout=0", { token: key }), "key", policy);
    expect((await api("/api/v1/events?timeout=0", { token: other })).status).toBe(200);
  });
});
