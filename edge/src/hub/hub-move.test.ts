// A moved user's hub follows them (hub-move.ts): the operator's CLI asks the edge to move it from the
// default namespace (region local) to the stand-in of the eu jurisdiction; settings, webhooks, API keys
// and sessions made before keep working, the old object holds only the tombstone. The worker runs here
// with regions local and eu, both served by the tests' one core (as residency.test.ts does).
import { createExecutionContext, env, runInDurableObject, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { ApiKeyCreated, LoginResponse, Settings, WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { signRequest } from "../../../shared/signing.ts";
import { BASE, clientIp } from "../../test/api.ts";
import { summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { endpoint, received } from "../../test/webhook-receiver.ts";
import type { Env } from "../env.ts";
import worker from "../index.ts";

const coreUrl = (JSON.parse(env.CORE_URLS) as Record<string, string>).local!;
const twoRegions: Env = { ...env, CORE_URLS: JSON.stringify({ local: coreUrl, eu: coreUrl }), REGION_JURISDICTIONS: '{"eu":"eu"}', REGION_BUCKETS: '{"eu":"BLOBS_EU"}' };

/** A request to the worker of the two-region deployment; `token` a session token or an API key. */
async function call(path: string, init: { method?: string; token?: string; json?: unknown; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { method: init.method ?? "GET", headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body }), twoRegions, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A signed internal request, as the core's CLI sends it. */
async function internal(method: string, path: string, body: unknown): Promise<Response> {
  const payload = JSON.stringify(body);
  const headers = await signRequest(inject("signingSecret"), BASE, { method, pathAndQuery: path, body: payload });
  return call(path, { method, body: payload, headers: { ...headers, "content-type": "application/json" } });
}

const moveHub = (userId: string, from: string, to: string) => internal("POST", `/internal/v1/users/${userId}/move-hub?region=${to}`, { from });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const oldHub = (userId: string) => env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(userId));
const standIn = (userId: string) => env.LOCAL_JURISDICTION_HUB!.get(env.LOCAL_JURISDICTION_HUB!.idFromName(userId));

let login: LoginResponse;
beforeAll(async () => {
  const res = await SELF.fetch(`${BASE}/api/v1/auth/login`, { method: "POST", body: JSON.stringify({ address: seed.moira.address, password: seed.moira.password }), headers: { "content-type": "application/json", "cf-connecting-ip": clientIp() } });
  expect(res.status).toBe(200);
  login = (await res.json()) as LoginResponse;
});

describe("POST /internal/v1/users/:id/move-hub", () => {
  it("moves settings, webhooks, API keys and sessions to the new region's hub; the old keeps only {movedTo}", async () => {
    const { token, user } = login;
    expect(user.region).toBe("local");
    const settings = (await (await call("/api/v1/settings", { method: "PATCH", token, json: { undoSendSeconds: 20, theme: "dark" } })).json()) as Settings;
    const key = (await (await call("/api/v1/api-keys", { method: "POST", token, json: { name: "crm", scopes: ["mail.read", "events"] } })).json()) as ApiKeyCreated;
    expect(key.key).toMatch(/^emk_local_/);
    const hookEnd = endpoint("ok");
    const made = await call("/api/v1/webhooks", { method: "POST", token: key.key, json: { url: hookEnd.url, events: ["message.created"] } });
    expect(made.status).toBe(201);
    const hook = (await made.json()) as WebhookCreated;

    const moved = await moveHub(user.id, "local", "eu");
    expect(moved.status, await moved.clone().text()).toBe(200);
    expect(await moved.json()).toMatchObject({ from: "local", to: "eu", resumed: false });
    // A rerun (the CLI's, after an interruption) finds it done.
    const again = await moveHub(user.id, "local", "eu");
    expect(await again.json()).toMatchObject({ resumed: true });

    // The old object: the tombstone and empty tables, nothing of the user.
    const left = await runInDurableObject(oldHub(user.id), (_instance, state) => {
      const tables = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`).toArray().map((t) => t.name);
      const rows = Object.fromEntries(tables.map((t) => [t, state.storage.sql.exec(`SELECT * FROM ${t}`).toArray()]));
      return JSON.parse(JSON.stringify(rows)) as Record<string, unknown[]>;
    });
    expect(left.hub_meta).toEqual([{ key: "moved_to", value: "eu" }]);
    for (const [table, rows] of Object.entries(left)) if (table !== "hub_meta") expect(rows, table).toEqual([]);
    expect(JSON.stringify(left)).not.toContain(user.address);
    // The new one has the user's state.
    expect(await standIn(user.id).settings()).toEqual(settings);
    expect((await standIn(user.id).listApiKeys()).map((k) => k.id)).toEqual([key.id]);

    // The session token and the key still name local: both follow the tombstone.
    expect(await (await call("/api/v1/settings", { token })).json()).toEqual(settings);
    const hooks = (await (await call("/api/v1/webhooks", { token: key.key })).json()) as { webhooks: WebhookInfo[] };
    expect(hooks.webhooks.map((h) => h.id)).toEqual([hook.id]);
    expect((await call("/api/v1/folders", { token: key.key })).status).toBe(200);
    expect((await call("/api/v1/api-keys", { token })).status).toBe(200);

    // The webhook fires from the new hub: the new region's core publishes there.
    const events = JSON.stringify({ region: "eu", events: [{ userId: user.id, seq: 1, at: Date.now(), type: "message.created", data: { message: summary(uuidv7(), "after the move") } }] });
    const signed = await signRequest(inject("signingSecret"), BASE, { method: "POST", pathAndQuery: "/internal/v1/events", body: events });
    expect((await call("/internal/v1/events", { method: "POST", body: events, headers: { ...signed, "content-type": "application/json" } })).status).toBe(200);
    const deliveries = await until(() => received(hookEnd.key), (got) => got.length >= 1);
    expect(deliveries.length).toBe(1);
    expect(deliveries[0]!.body).toContain("after the move");
  });

  it("refuses with 409 while a held send is owed to the core, 400 a move to where the hub is; moves nothing from a hub that never knew the user", async () => {
    const userId = uuidv7();
    await oldHub(userId).holdSend(userId, "local", uuidv7(), Date.now() + 60_000, 1, { submission: "{}" });
    const refused = await moveHub(userId, "local", "eu");
    expect(refused.status).toBe(409);
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/held send/);
    expect(await oldHub(userId).exportForMove()).toEqual({ pendingSends: 1 });

    const same = await moveHub(userId, "eu", "eu");
    expect(same.status).toBe(400);

    // A region the user never lived in (the CLI's rerun asks each): nothing moves, no tombstone is left.
    const stranger = uuidv7();
    expect(await (await moveHub(stranger, "local", "eu")).json()).toEqual({ from: "local", to: "eu", rows: 0, resumed: true });
    expect(await oldHub(stranger).exportForMove()).toEqual({ empty: true });
  });
});
