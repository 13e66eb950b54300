// Webhooks end to end inside workerd: registered through the API, fed by an event published the
// way a core publishes it, delivered through the real webhooks queue to a loopback receiver, signed.
// Henry only ever gets the made-up events of this file (seqs 1, 2, 3 … in the order of its tests).
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { ApiKeyCreated, Scope, WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { EventData, MessageNotice } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { api, login } from "../../test/api.ts";
import { notify, summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { endpoint, received, type ReceivedRequest } from "../../test/webhook-receiver.ts";
import { Webhooks } from "../hub/webhooks.ts";

let henryToken = "";
let henryId = "";
let seq = 0;

beforeAll(async () => {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address: seed.henry.address, password: seed.henry.password } });
  const body = (await res.json()) as { token: string; user: { id: string } };
  henryToken = body.token;
  henryId = body.user.id;
});

async function waitFor(key: string, count: number, ms = 15_000): Promise<ReceivedRequest[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await received(key);
    if (got.length >= count || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("webhooks", () => {
  it("deliver message.created signed with the secret shown once; 410 Gone removes the webhook", async () => {
    const [token, user] = [henryToken, { id: henryId }];
    const ok = endpoint("ok");
    const gone = endpoint("gone");
    const made = await api("/api/v1/webhooks", { method: "POST", token, json: { url: ok.url, events: ["message.created"] } });
    expect(made.status).toBe(201);
    const hook = (await made.json()) as WebhookCreated;
    expect(hook.secret).toMatch(/^whsec_/);
    const goneHook = (await (await api("/api/v1/webhooks", { method: "POST", token, json: { url: gone.url } })).json()) as WebhookCreated;
    const listed = ((await (await api("/api/v1/webhooks", { token })).json()) as { webhooks: WebhookInfo[] }).webhooks;
    expect(listed.map((w) => w.id)).toEqual(expect.arrayContaining([hook.id, goneHook.id]));
    expect(JSON.stringify(listed)).not.toContain(hook.secret);

    const message = summary(uuidv7(), "for the webhook");
    const published = await notify([{ userId: user.id, seq: ++seq, at: Date.now(), type: "message.created", data: { message } }]);
    expect(published.status).toBe(200);

    const [delivery] = await waitFor(ok.key, 1);
    expect(delivery).toBeDefined();
    const payload = new Webhook(hook.secret).verify(delivery!.body, delivery!.headers) as { type: string; data: { message: { id: string } } };
    expect(payload.type).toBe("message.created");
    expect(payload.data.message).toEqual(message);

    await waitFor(gone.key, 1);
    const deadline = Date.now() + 10_000;
    let after: WebhookInfo[] = listed;
    while (after.some((w) => w.id === goneHook.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = ((await (await api("/api/v1/webhooks", { token })).json()) as { webhooks: WebhookInfo[] }).webhooks;
    }
    expect(after.map((w) => w.id)).toEqual([hook.id]);
    expect(after[0]).toMatchObject({ createdBy: { kind: "user" }, includesContent: true });
    expect((await api(`/api/v1/webhooks/${hook.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await api(`/api/v1/webhooks/${hook.id}`, { method: "DELETE", token })).status).toBe(404);
  });

  it("refuse URLs the policy forbids and bad bodies, naming the field", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const bad = await api("/api/v1/webhooks", { method: "POST", token, json: { url: "ftp://example.org/hook" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe("url");
    const events = await api("/api/v1/webhooks", { method: "POST", token, json: { url: "https://example.org/hook", events: ["everything"] } });
    expect(events.status).toBe(400);
  });
});

describe("webhooks belong to who made them", () => {
  type Hook = WebhookCreated & { receiver: string };
  const make = async (scopes: Scope[], name = scopes.join("+")) =>
    (await (await api("/api/v1/api-keys", { method: "POST", token: henryToken, json: { name, scopes } })).json()) as ApiKeyCreated;
  const hookOf = async (token: string): Promise<Hook> => {
    const target = endpoint("ok");
    const res = await api("/api/v1/webhooks", { method: "POST", token, json: { url: target.url } });
    expect(res.status, await res.clone().text()).toBe(201);
    return { ...((await res.json()) as WebhookCreated), receiver: target.key };
  };
  const list = async (token: string) => ((await (await api("/api/v1/webhooks", { token })).json()) as { webhooks: WebhookInfo[] }).webhooks;
  const publish = async (subject: string) => {
    const message = summary(uuidv7(), subject);
    expect((await notify([{ userId: henryId, seq: ++seq, at: Date.now(), type: "message.created", data: { message } }])).status).toBe(200);
    return message;
  };
  const hub = () => env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(henryId));

  it("deliver what a message says only when their maker may read mail", async () => {
    const eventsOnly = await make(["events"]);
    const reader = await make(["mail.read", "events"]);
    const [notice, whole, mine] = [await hookOf(eventsOnly.key), await hookOf(reader.key), await hookOf(henryToken)];
    expect(notice).toMatchObject({ createdBy: { kind: "apiKey", id: eventsOnly.id, name: "events" }, includesContent: false });
    expect(whole).toMatchObject({ createdBy: { kind: "apiKey", id: reader.id, name: "mail.read+events" }, includesContent: true });
    expect(mine).toMatchObject({ createdBy: { kind: "user" }, includesContent: true });

    const message = await publish(`quarterly numbers ${crypto.randomUUID()}`);
    const payloadOf = async (hook: Hook) => {
      const [delivery] = await waitFor(hook.receiver, 1);
      expect(delivery, hook.id).toBeDefined();
      return new Webhook(hook.secret).verify(delivery!.body, delivery!.headers) as { type: string; data: { cursor: number; message: Record<string, unknown> } };
    };
    const noticePayload = await payloadOf(notice);
    expect(Object.keys(noticePayload.data.message).sort()).toEqual(Object.keys(MessageNotice.shape).sort());
    expect(noticePayload.data.message).toEqual(MessageNotice.parse(message));
    expect(JSON.stringify(noticePayload)).not.toContain(message.subject);
    expect(JSON.stringify(noticePayload)).not.toContain("carol@remote.test");
    // The published shape of message.created reads it as it is.
    const { cursor: _, ...data } = noticePayload.data;
    expect(EventData["message.created"].parse(data)).toEqual(data);
    for (const hook of [whole, mine]) expect((await payloadOf(hook)).data.message).toEqual(message);
  });

  it("are listed and deleted by their own key only (another's is 404); the user's session sees and deletes all", async () => {
    const [a, b] = [await make(["events"], "key a"), await make(["events"], "key b")];
    const [hookA, hookB] = [await hookOf(a.key), await hookOf(b.key)];
    expect((await list(a.key)).map((w) => w.id)).toEqual([hookA.id]);
    expect((await list(b.key)).map((w) => w.id)).toEqual([hookB.id]);
    const all = await list(henryToken);
    expect(all.find((w) => w.id === hookA.id)?.createdBy).toEqual({ kind: "apiKey", id: a.id, name: "key a" });
    expect(all.find((w) => w.id === hookB.id)?.createdBy).toEqual({ kind: "apiKey", id: b.id, name: "key b" });

    const refused = await api(`/api/v1/webhooks/${hookB.id}`, { method: "DELETE", token: a.key });
    expect(refused.status).toBe(404);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect((await list(b.key)).map((w) => w.id)).toEqual([hookB.id]);
    expect((await api(`/api/v1/webhooks/${hookA.id}`, { method: "DELETE", token: a.key })).status).toBe(204);
    expect((await api(`/api/v1/webhooks/${hookB.id}`, { method: "DELETE", token: henryToken })).status).toBe(204);
    expect((await list(henryToken)).map((w) => w.id)).not.toEqual(expect.arrayContaining([hookA.id]));
    expect((await list(henryToken)).map((w) => w.id)).not.toEqual(expect.arrayContaining([hookB.id]));
  });

  it("go with their key when it is revoked, staged deliveries too", async () => {
    const key = await make(["mail.read", "events"], "to revoke");
    const other = await make(["events"], "stays");
    const [doomed, kept] = [await hookOf(key.key), await hookOf(other.key)];
    // A delivery staged but not yet queued (the queue was down when its event came).
    await runInDurableObject(hub(), (_instance, state) => {
      state.storage.sql.exec(`INSERT INTO webhook_outbox (delivery_id, body) VALUES (?, ?)`, "msg_staged", JSON.stringify({ deliveryId: "msg_staged", webhookId: doomed.id }));
    });
    expect((await api(`/api/v1/api-keys/${key.id}`, { method: "DELETE", token: henryToken })).status).toBe(204);
    const ids = (await list(henryToken)).map((w) => w.id);
    expect(ids).toContain(kept.id);
    expect(ids).not.toContain(doomed.id);
    const staged = await runInDurableObject(hub(), (_instance, state) => new Webhooks(state.storage.sql).pending().map((d) => d.webhookId));
    expect(staged).not.toContain(doomed.id);
    // Nothing more reaches its endpoint.
    await publish("after the revocation");
    await waitFor(kept.receiver, 1);
    expect(await received(doomed.receiver)).toEqual([]);
  });

  it("of an expired key stop being delivered and are removed when next met", async () => {
    const key = await make(["mail.read", "events"], "expiring");
    const hook = await hookOf(key.key);
    const witness = await hookOf(henryToken);
    await runInDurableObject(hub(), (_instance, state) => {
      state.storage.sql.exec(`UPDATE api_keys SET expires_at = ? WHERE id = ?`, Date.now() - 1000, key.id);
    });
    await publish("after the expiry");
    await waitFor(witness.receiver, 1);
    expect(await received(hook.receiver)).toEqual([]);
    expect((await list(henryToken)).map((w) => w.id)).not.toContain(hook.id);
    expect((await api("/api/v1/webhooks", { token: key.key })).status).toBe(401);
  });

  it("made before makers were recorded are migrated in place, and deliver without message content", async () => {
    // An object of the earlier release: the webhooks table without the maker's columns, and one row.
    const old = env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(`older-release-${crypto.randomUUID()}`));
    const migrated = await runInDurableObject(old, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE webhooks`);
      sql.exec(`CREATE TABLE webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, created_at INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO webhooks VALUES ('old-hook', 'https://hooks.example/old', '["message.created"]', 'whsec_AAAA', 1)`);
      new Webhooks(sql);
      const again = new Webhooks(sql); // the next start finds the columns there
      const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('webhooks')`).toArray().map((r) => r.name);
      return { columns, listed: again.list() };
    });
    expect(migrated.columns).toEqual(["id", "url", "events", "secret", "created_at", "created_by_kind", "created_by_id"]);
    expect(migrated.listed).toEqual([{ id: "old-hook", url: "https://hooks.example/old", events: ["message.created"], createdAt: new Date(1).toISOString(), maker: { kind: "unknown" } }]);

    // Such a webhook in Henry's object: whoever made it may not have been allowed to read mail.
    const target = endpoint("ok");
    const secret = "whsec_" + btoa("an old webhook's secret, 32 bytes");
    await runInDurableObject(hub(), (_instance, state) => {
      state.storage.sql.exec(`INSERT INTO webhooks (id, url, events, secret, created_at) VALUES ('legacy', ?, '["message.created"]', ?, ?)`, target.url, secret, Date.now());
    });
    const listed = (await list(henryToken)).find((w) => w.id === "legacy");
    expect(listed).toMatchObject({ createdBy: { kind: "unknown" }, includesContent: false });
    const key = await make(["mail.read", "events"], "not the maker");
    expect((await list(key.key)).map((w) => w.id)).not.toContain("legacy");
    expect((await api("/api/v1/webhooks/legacy", { method: "DELETE", token: key.key })).status).toBe(404);
    const message = await publish("for an old webhook");
    const [delivery] = await waitFor(target.key, 1);
    const payload = new Webhook(secret).verify(delivery!.body, delivery!.headers) as { data: { message: object } };
    expect(payload.data.message).toEqual(MessageNotice.parse(message));
    expect((await api("/api/v1/webhooks/legacy", { method: "DELETE", token: henryToken })).status).toBe(204);
  });
});
