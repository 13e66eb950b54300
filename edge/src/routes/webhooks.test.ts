// Webhooks end to end inside workerd: registered through the API, fed by an event published the
// way a core publishes it, delivered through the real webhooks queue to a loopback receiver, signed.
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { WebhookCreated, WebhookInfo } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { api, login } from "../../test/api.ts";
import { notify, summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { endpoint, received, type ReceivedRequest } from "../../test/webhook-receiver.ts";

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
});
