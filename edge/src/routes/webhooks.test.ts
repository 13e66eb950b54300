// Webhooks end to end inside workerd: registered through the API, fed by an event published the
// way a core publishes it, delivered through the real webhooks queue to a loopback receiver, signed.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import type { Problem } from "../../../shared/problem.ts";
import { api, clientIp, login } from "../../test/api.ts";
import { notify, summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { webhookDnsUrl } from "../../test/webhook-dns.ts";
import { endpoint, received, type ReceivedRequest } from "../../test/webhook-receiver.ts";
import { app } from "../index.ts";

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
    // Henry gets no real mail: his hub only ever sees the made-up event below.
    const res = await api("/api/v1/auth/login", { method: "POST", json: { address: seed.henry.address, password: seed.henry.password } });
    const { token, user } = (await res.json()) as { token: string; user: { id: string } };
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

    const seq = 1;
    const message = summary(uuidv7(), "for the webhook");
    const published = await notify([{ userId: user.id, seq, at: Date.now(), type: "message.created", data: { message } }]);
    expect(published.status).toBe(200);

    const [delivery] = await waitFor(ok.key, 1);
    expect(delivery).toBeDefined();
    const payload = new Webhook(hook.secret).verify(delivery!.body, delivery!.headers) as { type: string; data: { message: { id: string } } };
    expect(payload.type).toBe("message.created");
    expect(payload.data.message.id).toBe(message.id);

    await waitFor(gone.key, 1);
    const deadline = Date.now() + 10_000;
    let after: WebhookInfo[] = listed;
    while (after.some((w) => w.id === goneHook.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = ((await (await api("/api/v1/webhooks", { token })).json()) as { webhooks: WebhookInfo[] }).webhooks;
    }
    expect(after.map((w) => w.id)).toEqual([hook.id]);
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
