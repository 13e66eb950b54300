// Sessions, logout, API keys and scopes, login history — inside workerd against the real core.
import { env, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { ApiKeyCreated, ApiKeyInfo, LoginResponse } from "../../../shared/api.ts";
import type { EventsPage } from "../../../shared/events.ts";
import { signRequest } from "../../../shared/signing.ts";
import { api, BASE, clientIp } from "../../test/api.ts";
import { openSocket } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { issueToken } from "../token.ts";

async function signIn(address: string, password: string, cf?: { country: string; asn: number; asOrganization: string }, ip = clientIp()): Promise<LoginResponse> {
  const res = await SELF.fetch(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    body: JSON.stringify({ address, password }),
    headers: { "content-type": "application/json", "cf-connecting-ip": ip, "user-agent": "credentials-test" },
    ...(cf ? { cf } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

const grace = () => signIn(seed.grace.address, seed.grace.password);

describe("sessions", () => {
  it("logout revokes the token at once, and its open sockets are closed", async () => {
    const { token } = await grace();
    const other = await grace();
    const socket = await openSocket(token);
    expect((await api("/api/v1/folders", { token })).status).toBe(200);
    expect((await api("/api/v1/auth/logout", { method: "POST", token })).status).toBe(204);
    const after = await api("/api/v1/folders", { token });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toContain("invalid_token");
    await socket.until((s) => s.closed !== null);
    expect(socket.closed!.code).toBe(4003);
    // Another session of the same user is untouched.
    expect((await api("/api/v1/folders", { token: other.token })).status).toBe(200);
  });

  it("logout with ?all=true signs out every session", async () => {
    const a = await grace();
    const b = await grace();
    // An integrator's key is not a session: it and its socket outlive "sign out everywhere".
    const key = ((await (await api("/api/v1/api-keys", { method: "POST", token: a.token, json: { name: "sync", scopes: ["events"] } })).json()) as ApiKeyCreated).key;
    const [sessionSocket, keySocket] = [await openSocket(b.token), await openSocket(key)];
    expect((await api("/api/v1/auth/logout?all=true", { method: "POST", token: a.token })).status).toBe(204);
    expect((await api("/api/v1/folders", { token: a.token })).status).toBe(401);
    expect((await api("/api/v1/folders", { token: b.token })).status).toBe(401);
    await sessionSocket.until((s) => s.closed !== null);
    expect((await api("/api/v1/events?timeout=0", { token: key })).status).toBe(200);
    expect(keySocket.closed).toBeNull();
    keySocket.ws.close(1000);
    expect((await api("/api/v1/auth/logout?all=maybe", { method: "POST", token: (await grace()).token })).status).toBe(400);
  });

  it("an expired token gets 401, even for a live session", async () => {
    const { user } = await grace();
    const expired = await issueToken(user, "AAAAAAAAAAAAAAAAAAAAAAAA", env.TOKEN_SECRET, 60, Date.now() - 3600_000);
    const res = await api("/api/v1/folders", { token: expired });
    expect(res.status).toBe(401);
  });

  it("a token whose session was never opened gets 401", async () => {
    const { user } = await grace();
    const made = await issueToken(user, "BBBBBBBBBBBBBBBBBBBBBBBB", env.TOKEN_SECRET, 600);
    expect((await api("/api/v1/folders", { token: made })).status).toBe(401);
  });
});

describe("API keys", () => {
  it("are shown once, listed without the key, scoped, and revocable", async () => {
    const { token } = await signIn(seed.alice.address, seed.alice.password);
    const res = await api("/api/v1/api-keys", { method: "POST", token, json: { name: "reader", scopes: ["mail.read"] } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as ApiKeyCreated;
    expect(created.key).toMatch(/^emk_local_[0-9a-f]{32}_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const listed = ((await (await api("/api/v1/api-keys", { token })).json()) as { keys: ApiKeyInfo[] }).keys;
    const mine = listed.find((k) => k.id === created.id)!;
    expect(mine).toMatchObject({ name: "reader", scopes: ["mail.read"] });
    expect(JSON.stringify(listed)).not.toContain(created.key);

    // mail.read: reading works, sending, managing, events and key management do not.
    const key = created.key;
    expect((await api("/api/v1/folders/inbox/messages?limit=5", { token: key })).status).toBe(200);
    const send = await api("/api/v1/messages", { method: "POST", token: key, json: { to: ["bob@example.test"], text: "hi" } });
    expect(send.status).toBe(403);
    expect(send.headers.get("www-authenticate")).toContain('scope="mail.send"');
    expect((await api("/api/v1/events?timeout=0", { token: key })).status).toBe(403);
    expect((await api("/api/v1/api-keys", { token: key })).status).toBe(403);
    const patch = await api(`/api/v1/messages/${"0".repeat(8)}-0000-7000-8000-000000000000`, { method: "PATCH", token: key, json: { read: true } });
    expect(patch.status).toBe(403);

    expect((await api(`/api/v1/api-keys/${created.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await api("/api/v1/folders", { token: key })).status).toBe(401);
    expect((await api(`/api/v1/api-keys/${created.id}`, { method: "DELETE", token })).status).toBe(404);
  });

  it("with the events scope open the event stream; forged keys get 401", async () => {
    const { token } = await signIn(seed.alice.address, seed.alice.password);
    const created = (await (await api("/api/v1/api-keys", { method: "POST", token, json: { name: "listener", scopes: ["events"] } })).json()) as ApiKeyCreated;
    const page = await api("/api/v1/events?timeout=0", { token: created.key });
    expect(page.status).toBe(200);
    expect(((await page.json()) as EventsPage).cursor).toBeTypeOf("number");
    expect((await api("/api/v1/folders", { token: created.key })).status).toBe(403);
    const forged = created.key.slice(0, -3) + (created.key.endsWith("AAA") ? "BBB" : "AAA");
    expect((await api("/api/v1/events?timeout=0", { token: forged })).status).toBe(401);
    expect((await api("/api/v1/events?timeout=0", { token: "emk_nonsense" })).status).toBe(401);
  });

  it("name bad input", async () => {
    const { token } = await signIn(seed.alice.address, seed.alice.password);
    const res = await api("/api/v1/api-keys", { method: "POST", token, json: { name: "", scopes: ["mail.everything"] } });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(["name", "scopes.0"]);
  });

  it("can be managed by the operator's CLI through signed internal requests, which cannot be replayed", async () => {
    const { user } = await signIn(seed.alice.address, seed.alice.password);
    const body = JSON.stringify({ name: "cli", scopes: ["mail.send"], address: user.address, region: user.region });
    const path = `/internal/v1/users/${user.id}/api-keys?region=${user.region}`;
    const headers = { ...(await signRequest(inject("signingSecret"), BASE, { method: "POST", pathAndQuery: path, body })), "content-type": "application/json" };
    const first = await SELF.fetch(`${BASE}${path}`, { method: "POST", body, headers });
    expect(first.status).toBe(201);
    const replay = await SELF.fetch(`${BASE}${path}`, { method: "POST", body, headers });
    expect(replay.status).toBe(401);
    const unsigned = await SELF.fetch(`${BASE}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(unsigned.status).toBe(401);
  });
});

describe("security.login", () => {
  it("records every login and emits an event for a new country or network", async () => {
    const first = await signIn(seed.grace.address, seed.grace.password, { country: "NL", asn: 64500, asOrganization: "Example Home ISP" });
    const socket = await openSocket(first.token);
    await signIn(seed.grace.address, seed.grace.password, { country: "NL", asn: 64500, asOrganization: "Example Home ISP" });
    await signIn(seed.grace.address, seed.grace.password, { country: "BR", asn: 64511, asOrganization: "Elsewhere Telecom" }, "192.0.2.7");
    await socket.until((s) => s.events().some((e) => e.type === "security.login"));
    const logins = socket.events().filter((e) => e.type === "security.login");
    expect(logins).toHaveLength(1);
    expect(logins[0]!.data).toMatchObject({ country: "BR", asn: 64511, network: "Elsewhere Telecom", newLocation: true, ip: "192.0.2.7" });
    const history = (await (await api("/api/v1/security/logins", { token: first.token })).json()) as { logins: { country: string; newLocation: boolean }[] };
    expect(history.logins.slice(0, 2).map((l) => [l.country, l.newLocation])).toEqual([
      ["BR", true],
      ["NL", false],
    ]);
    socket.ws.close(1000);
  });
});
