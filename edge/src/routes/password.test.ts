// Taking credentials away, inside workerd against the real core: a password change signs out every
// other session, revokes every API key and removes every webhook, closing their connections, and
// keeps the session that made it; the operator's CLI does the same through signed internal requests,
// and erases the Durable Object of a user it removes.
import { SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { ApiKeyCreated, LoginResponse, WebhookCreated } from "../../../shared/api.ts";
import { SecurityEventList, type SecurityEvent } from "../../../shared/security.ts";
import { signRequest } from "../../../shared/signing.ts";
import { api, BASE, conforms } from "../../test/api.ts";
import { notify, openSocket } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { endpoint } from "../../test/webhook-receiver.ts";

async function signIn(password: string): Promise<LoginResponse> {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address: seed.max.address, password } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as LoginResponse;
}

const changePassword = (token: string, currentPassword: string, newPassword: string) =>
  api("/api/v1/account/password", { method: "POST", token, json: { currentPassword, newPassword } });

/** An API key with a webhook and a socket of its own, and a socket of the session. */
async function credentialsOf(token: string) {
  const key = (await (await api("/api/v1/api-keys", { method: "POST", token, json: { name: "sync", scopes: ["events", "mail.read"] } })).json()) as ApiKeyCreated;
  const hook = await api("/api/v1/webhooks", { method: "POST", token: key.key, json: { url: endpoint("ok").url } });
  expect(hook.status).toBe(201);
  return { key, webhook: (await hook.json()) as WebhookCreated, keySocket: await openSocket(key.key), sessionSocket: await openSocket(token) };
}

/** The security activity, as documented (shared/security.ts). */
const activity = async (token: string) => (await conforms(await api("/api/v1/security/events", { token }), SecurityEventList)).events as SecurityEvent[];

/** A signed internal request, as the operator's CLI sends it. */
async function internal(method: string, path: string, body?: unknown): Promise<Response> {
  const payload = body === undefined ? "" : JSON.stringify(body);
  const headers = await signRequest(inject("signingSecret"), BASE, { method, pathAndQuery: path, body: payload });
  return SELF.fetch(`${BASE}${path}`, { method, body: body === undefined ? undefined : payload, headers: { ...headers, "content-type": "application/json" } });
}

describe("POST /api/v1/account/password", () => {
  it("changes the password; every other session, every API key and webhook goes, their sockets closed; this session stays", async () => {
    const me = await signIn(seed.max.password);
    const other = await signIn(seed.max.password);
    const mine = await credentialsOf(me.token);
    const others = await credentialsOf(other.token);

    // A wrong current password changes nothing.
    const wrong = await changePassword(me.token, "not max's password", "max's second password");
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(["currentPassword"]);
    expect((await api("/api/v1/folders", { token: other.token })).status).toBe(200);
    // Only a password session may change it.
    expect((await changePassword(mine.key.key, seed.max.password, "max's second password")).status).toBe(403);

    expect((await changePassword(me.token, seed.max.password, "max's second password")).status).toBe(204);
    expect((await api("/api/v1/folders", { token: other.token })).status).toBe(401);
    for (const key of [mine.key, others.key]) expect((await api("/api/v1/events?timeout=0", { token: key.key })).status).toBe(401);
    for (const socket of [others.sessionSocket, mine.keySocket, others.keySocket]) {
      await socket.until((s) => s.closed !== null);
      expect(socket.closed).toEqual({ code: 4003, reason: "password changed" });
    }
    expect(mine.sessionSocket.closed).toBeNull();
    expect((await api("/api/v1/folders", { token: me.token })).status).toBe(200);
    expect(await (await api("/api/v1/webhooks", { token: me.token })).json()).toEqual({ webhooks: [] });
    expect(await (await api("/api/v1/api-keys", { token: me.token })).json()).toEqual({ keys: [] });

    expect((await api("/api/v1/auth/login", { method: "POST", json: { address: seed.max.address, password: seed.max.password } })).status).toBe(401);
    await signIn("max's second password");
    const [changed] = await activity(me.token);
    expect(changed).toMatchObject({ type: "password.changed", data: { sessions: 1, apiKeysRevoked: 2, webhooksRemoved: 2, by: "user" } });

    // Back to the seeded password, for the other tests.
    expect((await changePassword(me.token, "max's second password", seed.max.password)).status).toBe(204);
    mine.sessionSocket.ws.close(1000);
  });

  it("names what is wrong with the request", async () => {
    const { token } = await signIn(seed.max.password);
    const cases: [unknown, string[]][] = [
      [{ currentPassword: seed.max.password, newPassword: "short" }, ["newPassword"]],
      [{ currentPassword: seed.max.password, newPassword: seed.max.password }, ["newPassword"]],
      [{ newPassword: "long enough now" }, ["currentPassword"]],
      [{ currentPassword: seed.max.password, newPassword: "long enough now", extra: 1 }, ["(body)"]],
    ];
    for (const [json, fields] of cases) {
      const res = await api("/api/v1/account/password", { method: "POST", token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), JSON.stringify(json)).toEqual(fields);
    }
    expect((await api("/api/v1/folders", { token })).status).toBe(200);
  });

  it("signs out a session that keeps giving a wrong current password: a stolen token is no way to guess it", async () => {
    const { token } = await signIn(seed.max.password);
    const other = await signIn(seed.max.password);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = await changePassword(token, `guess number ${attempt}`, "max's next password");
      expect(res.status).toBe(403);
      const { detail } = (await res.json()) as { detail: string };
      if (attempt < 5) expect(detail).toBe("The current password is wrong; the password was not changed.");
      else expect(detail).toMatch(/wrong 5 times: this session is signed out/);
    }
    expect((await api("/api/v1/folders", { token })).status).toBe(401);
    // Another session's count is its own.
    expect((await changePassword(other.token, "one more guess", "max's next password")).status).toBe(403);
    expect((await api("/api/v1/folders", { token: other.token })).status).toBe(200);
    await signIn(seed.max.password);
  });
});

describe("the operator's revocations (signed internal requests, as the CLI sends them)", () => {
  it("revoke takes every session, key and webhook; erase forgets the user's Durable Object", async () => {
    const a = await signIn(seed.max.password);
    const creds = await credentialsOf(a.token);
    const userId = a.user.id;

    // The call names the user's home region, which picks their Durable Object's jurisdiction.
    const regionless = await internal("POST", `/internal/v1/users/${userId}/revoke`, { reason: "password.changed" });
    expect(regionless.status).toBe(400);
    expect(((await regionless.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(["query.region"]);
    const revoked = await internal("POST", `/internal/v1/users/${userId}/revoke?region=${a.user.region}`, { reason: "password.changed" });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ sessions: expect.any(Number), apiKeysRevoked: 1, webhooksRemoved: 1 });
    expect((await api("/api/v1/folders", { token: a.token })).status).toBe(401);
    expect((await api("/api/v1/events?timeout=0", { token: creds.key.key })).status).toBe(401);
    for (const socket of [creds.keySocket, creds.sessionSocket]) await socket.until((s) => s.closed !== null);
    expect((await internal("POST", `/internal/v1/users/${userId}/revoke?region=${a.user.region}`, { reason: "later" })).status).toBe(400);

    const b = await signIn(seed.max.password);
    expect((await activity(b.token))[0]).toMatchObject({ type: "password.changed", data: { apiKeysRevoked: 1, webhooksRemoved: 1, by: "operator" } });
    const more = await credentialsOf(b.token);
    const erased = await internal("DELETE", `/internal/v1/users/${userId}?region=${a.user.region}`);
    expect(erased.status).toBe(200);
    expect(await erased.json()).toEqual({ sessions: 1, apiKeysRevoked: 1, webhooksRemoved: 1 });
    expect((await api("/api/v1/folders", { token: b.token })).status).toBe(401);
    expect((await api("/api/v1/events?timeout=0", { token: more.key.key })).status).toBe(401);
    for (const socket of [more.keySocket, more.sessionSocket]) {
      await socket.until((s) => s.closed !== null);
      expect(socket.closed!.code).toBe(4003);
    }
    // Nothing of before is left: the sign-ins, the security activity and the event log start again.
    const c = await signIn(seed.max.password);
    expect((await (await api("/api/v1/security/logins", { token: c.token })).json()) as { logins: unknown[] }).toEqual({ logins: [expect.objectContaining({ sessionId: expect.any(String) })] });
    expect(await activity(c.token)).toEqual([]);
    expect(await (await api("/api/v1/events?since=0&timeout=0", { token: c.token })).json()).toEqual({ events: [], cursor: 0 });
  });
});

describe("the security activity", () => {
  it("lists wrong-password blocks the core reports, beside the user's own changes, newest first; API keys cannot read it", async () => {
    const { token, user } = await signIn(seed.max.password);
    const key = (await (await api("/api/v1/api-keys", { method: "POST", token, json: { name: "reader", scopes: ["mail.read", "events"] } })).json()) as ApiKeyCreated;
    expect((await api(`/api/v1/api-keys/${key.id}`, { method: "DELETE", token })).status).toBe(204);
    // Made up, as the core records it: Max gets no mail, so no real seq of his clashes with this one.
    const blocked = { protocol: "submission" as const, ip: "198.51.100.9", failures: 10, blocked: "ip" as const, until: new Date(Date.now() + 900_000).toISOString() };
    expect((await notify([{ userId: user.id, seq: 1, at: Date.now(), type: "security.auth-failures", data: blocked }])).status).toBe(200);

    const list = await activity(token);
    expect(list.slice(0, 3).map((e) => e.type)).toEqual(["sign-in.blocked", "api-key.revoked", "api-key.created"]);
    expect(list[0]!.data).toEqual(blocked);
    expect(list[1]!.data).toEqual({ id: key.id, name: "reader", by: "user" });
    const other = (await (await api("/api/v1/api-keys", { method: "POST", token, json: { name: "all", scopes: ["mail.read", "events"] } })).json()) as ApiKeyCreated;
    expect((await api("/api/v1/security/events", { token: other.key })).status).toBe(403);
  });
});
