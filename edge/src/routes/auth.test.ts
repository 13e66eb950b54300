import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import type { LoginResponse } from "../../../shared/api.ts";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import { app } from "../index.ts";

describe("POST /api/v1/auth/login", () => {
  it("gives a short-lived bearer token for the right password", async () => {
    const res = await api("/api/v1/auth/login", { method: "POST", json: { address: "Alice@Example.TEST", password: seed.alice.password } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as LoginResponse;
    expect(body.tokenType).toBe("Bearer");
    expect(body.expiresIn).toBe(3600);
    expect(body.user.address).toBe(seed.alice.address);
  });

  it("answers 401 problem+json for a wrong password or an unknown user, alike", async () => {
    for (const json of [{ address: seed.alice.address, password: "nope" }, { address: "ghost@example.test", password: "nope" }]) {
      const res = await api("/api/v1/auth/login", { method: "POST", json });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await res.json()) as { detail: string; requestId: string };
      expect(problem.detail).toBe("Wrong address or password.");
      expect(problem.requestId).toBe(res.headers.get("x-request-id"));
    }
  });

  it("names the bad fields", async () => {
    const res = await api("/api/v1/auth/login", { method: "POST", json: { address: "not an address", extra: 1 } });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(["(body)", "address", "password"]);
  });

  it("answers 415 for a body that is not JSON and 400 for broken JSON", async () => {
    expect((await api("/api/v1/auth/login", { method: "POST", body: "address=a", headers: { "content-type": "application/x-www-form-urlencoded" } })).status).toBe(415);
    expect((await api("/api/v1/auth/login", { method: "POST", body: "{", headers: { "content-type": "application/json" } })).status).toBe(400);
  });

  it("answers 413 for an oversized body", async () => {
    const res = await api("/api/v1/auth/login", { method: "POST", json: { address: seed.alice.address, password: "x".repeat(300 * 1024) } });
    expect(res.status).toBe(413);
  });
});

describe("bearer tokens", () => {
  it("are required on every other route", async () => {
    const res = await api("/api/v1/folders");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("are refused when forged, malformed or expired", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const forged = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const now = Math.floor(Date.now() / 1000);
    const [, payload] = token.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const expired = await sign({ ...claims, iat: now - 7200, exp: now - 3600 }, "edge-test-token-secret-0123456789abcdef", "HS256");
    const otherKey = await sign({ ...claims }, "some-other-secret-some-other-secret!!", "HS256");
    for (const bad of [forged, "abc", expired, otherKey]) {
      const res = await api("/api/v1/folders", { token: bad });
      expect(res.status, bad).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("invalid_token");
    }
  });
});

describe("edge configuration and core reachability", () => {
  it("answers 503 naming the bad variable when misconfigured", async () => {
    const res = await app.request("/api/v1/folders", {}, { ...env, TOKEN_SECRET: "short" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain("TOKEN_SECRET");
  });

  it("answers 503 with Retry-After when the user's core cannot be reached", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const res = await app.request("/api/v1/account", { headers: { authorization: `Bearer ${token}` } }, { ...env, CORE_URLS: JSON.stringify({ local: "http://127.0.0.1:9" }) });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers unknown routes with a 404 problem (after authentication, inside the API)", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    for (const res of [await api("/api/v1/nothing-here", { token }), await api("/nothing-here")]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api("/api/v1/nothing-here")).status).toBe(401);
  });
});
