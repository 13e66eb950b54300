// Webhooks end to end inside workerd: registered through the API, fed by an event published the
// way a core publishes it, delivered from the user's hub (its outbox and alarm) to a loopback receiver, signed.
// Henry only ever gets the made-up events of this file (seqs 1, 2, 3 … in the order of its tests).
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { ApiKeyCreated, Scope, WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { EventData, MessageNotice } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import type { Problem } from "../../../shared/problem.ts";
import { api, clientIp, login } from "../../test/api.ts";
import { notify, summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { webhookDnsUrl } from "../../test/webhook-dns.ts";
import { endpoint, received, type ReceivedRequest } from "../../test/webhook-receiver.ts";
import { app } from "../index.ts";
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

  it("refuse at creation, naming the field, every URL that leads inside: special-purpose addresses and names resolving to them", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    // The edge as deployed (the tests' default lets loopback through for the receiver), resolving
    // names with a DNS-over-HTTPS server of made-up zones (edge/test/webhook-dns.ts).
    const deployed = { ...env, WEBHOOK_ALLOW_PRIVATE: "false", WEBHOOK_DNS_URL: webhookDnsUrl() };
    const create = (url: string, vars: object = deployed) =>
      app.request(
        "/api/v1/webhooks",
        { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "cf-connecting-ip": clientIp() }, body: JSON.stringify({ url }) },
        vars,
      );
    const refused: [string, string][] = [
      ["https://[::ffff:0:7f00:1]/hook", "points to an IPv4-translated address (::ffff:0:0:0/96)"],
      ["https://[2002:7f00:1::]/hook", "points to a 6to4 address (2002::/16)"],
      ["https://[64:ff9b::7f00:1]/hook", "points to a loopback address (127.0.0.0/8) inside a NAT64 address (64:ff9b::/96)"],
      ["https://[64:ff9b:1::a00:1]/hook", "points to a local-use NAT64 address (64:ff9b:1::/48)"],
      ["https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook", "points to a Teredo address (2001::/32)"],
      ["https://198.18.0.1/hook", "points to a benchmarking address (198.18.0.0/15)"],
      ["https://0x7f.1/hook", "points to a loopback address (127.0.0.0/8)"],
      ["https://localtest.me/hook", "has a host (localtest.me) that resolves to a loopback address (127.0.0.0/8)"],
      ["https://127.0.0.1.nip.io/hook", "has a host (127.0.0.1.nip.io) that resolves to a loopback address (127.0.0.0/8)"],
      ["https://metadata.hooks-test.net/hook", "has a host (metadata.hooks-test.net) that resolves to a link-local address (169.254.0.0/16)"],
      ["https://mixed.hooks-test.net/hook", "has a host (mixed.hooks-test.net) that resolves to a private address (10.0.0.0/8)"],
      ["https://v6private.hooks-test.net/hook", "has a host (v6private.hooks-test.net) that resolves to a unique local address (fc00::/7)"],
      ["https://nat64.hooks-test.net/hook", "has a host (nat64.hooks-test.net) that resolves to a loopback address (127.0.0.0/8) inside a NAT64 address (64:ff9b::/96)"],
      ["https://missing.hooks-test.net/hook", "has a host (missing.hooks-test.net) that does not resolve to any address"],
      ["https://nodata.hooks-test.net/hook", "has a host (nodata.hooks-test.net) that does not resolve to any address"],
      ["https://public.hooks-test.net./hook", "must not end its host name with a dot"],
      ["https://db.internal/hook", "names a private-use name (.internal)"],
    ];
    for (const [url, message] of refused) {
      const res = await create(url);
      expect(res.status, url).toBe(400);
      const problem = (await res.json()) as Problem;
      expect(problem.errors, url).toEqual([{ field: "url", message }]);
      expect(problem.detail, url).toBe(`The webhook URL is not allowed: ${message}.`);
    }

    // A name whose every address is public is taken (and never contacted here).
    const made = await create("https://public.hooks-test.net/hook");
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as WebhookCreated;
    expect((await api(`/api/v1/webhooks/${id}`, { method: "DELETE", token })).status).toBe(204);

    // A resolver that does not answer: ask again later rather than let an unchecked name through.
    const unanswered = await create("https://public.hooks-test.net/hook", { ...deployed, WEBHOOK_DNS_URL: "http://127.0.0.1:9/dns-query" });
    expect(unanswered.status).toBe(503);
    expect(unanswered.headers.get("retry-after")).toBe("30");
    expect(((await unanswered.json()) as Problem).detail).toMatch(/^Could not check where the webhook URL leads \(DNS lookup of public\.hooks-test\.net failed: ECONNREFUSED\); try again\.$/);
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
    // A delivery staged but not yet made (its endpoint was down when its event came).
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
