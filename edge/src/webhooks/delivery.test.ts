// The webhook consumer inside workerd, delivering to a real HTTP receiver on loopback
// (edge/test/webhook-receiver.ts): as the user's hub runs it from its outbox, and as the webhooks
// queue's consumer (which drains what an older release enqueued). Batches go through the worker's queue handler where its results
// (acks, retries) are enough; where delays, timing or the gone hook matter, the consumer gets
// messages that record what it did with them, since getQueueResult reports neither.
import { createExecutionContext, createMessageBatch, env, getQueueResult, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ClientEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { webhookDnsUrl } from "../../test/webhook-dns.ts";
import { endpoint, received, type ReceivedRequest } from "../../test/webhook-receiver.ts";
import { Webhooks } from "../hub/webhooks.ts";
import worker from "../index.ts";
import type { QueuedMessage, WebhookDelivery } from "../queue-messages.ts";
import { consumeWebhooks, webhookLimits, webhookRetryDelaySeconds, type WebhookConsumerOptions } from "./delivery.ts";
import { newWebhookSecret, verifyWebhook } from "./signature.ts";

const messageId = uuidv7();
const event: ClientEvent<"message.created"> = {
  cursor: 42,
  type: "message.created",
  at: "2026-11-25T10:00:00.000Z",
  data: {
    message: {
      id: messageId,
      folderId: uuidv7(),
      receivedAt: "2026-11-25T10:00:00.000Z",
      from: { name: "Carol", address: "carol@remote.test" },
      to: [{ name: "", address: "alice@example.test" }],
      subject: "Quarterly numbers",
      snippet: "See attached.",
      size: 1234,
      read: false,
      starred: false,
      hasAttachments: true,
      keywords: [],
      threadId: messageId,
    },
  },
};

/** A delivery owed to a webhook registered in a user's hub: the consumer sends only what a webhook
 * still registered is owed. */
async function delivery(url: string): Promise<WebhookDelivery> {
  const userId = uuidv7();
  const secret = newWebhookSecret();
  const webhookId = await runInDurableObject(hubOf(userId), (_instance, state) => new Webhooks(state.storage.sql).create(url, ["message.created"], secret, { kind: "user" }).id);
  return { deliveryId: `dlv_${crypto.randomUUID()}`, userId, webhookId, url, secret, event };
}

function hubOf(userId: string) {
  return env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(userId));
}

async function throughWorker(messages: { body: WebhookDelivery; attempts?: number }[], vars: Partial<typeof env> = {}) {
  const batch = createMessageBatch<WebhookDelivery>(
    "edgemail-webhooks",
    messages.map((m, i) => ({ id: `w${i}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...vars }, ctx);
  return getQueueResult(batch, ctx);
}

interface Recorded extends QueuedMessage<WebhookDelivery> {
  settled?: { as: "ack" } | { as: "retry"; delaySeconds: number };
  /** Milliseconds from the batch's start. */
  settledAfter?: number;
}

function recorded(body: WebhookDelivery, attempts = 1, start = Date.now()): Recorded {
  const m: Recorded = {
    body,
    attempts,
    ack: () => void Object.assign(m, { settled: { as: "ack" }, settledAfter: Date.now() - start }),
    retry: (delaySeconds) => void Object.assign(m, { settled: { as: "retry", delaySeconds }, settledAfter: Date.now() - start }),
  };
  return m;
}

function options(gone: [WebhookDelivery, string][] = [], allowPrivate = true): WebhookConsumerOptions {
  return { fetch: (input, init) => fetch(input, init), allowPrivate, stillWanted: async () => true, onGone: async (d, reason) => void gone.push([d, reason]) };
}

async function verifies(d: WebhookDelivery, r: ReceivedRequest): Promise<boolean> {
  return (await verifyWebhook(d.secret, new Headers(r.headers), r.body)) === null;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("webhook delivery", () => {
  it("POSTs the event in the Standard Webhooks shape, signed so that the secret verifies it", async () => {
    const { url, key } = endpoint("ok");
    const d = await delivery(url);
    expect(await throughWorker([{ body: d }])).toMatchObject({ explicitAcks: ["w0"], retryMessages: [] });

    const [r, ...more] = await received(key);
    expect(more).toHaveLength(0);
    expect(r!.headers).toMatchObject({ "content-type": "application/json", "webhook-id": d.deliveryId });
    expect(r!.headers["user-agent"]).toMatch(/^edgemail/);
    const payload = { type: "message.created", timestamp: event.at, data: { cursor: 42, message: event.data.message } };
    expect(JSON.parse(r!.body)).toEqual(payload);
    expect(await verifies(d, r!)).toBe(true);
    // As an integrator would check it, with the spec's own library.
    expect(new Webhook(d.secret).verify(r!.body, r!.headers)).toEqual(payload);
    expect(() => new Webhook(newWebhookSecret()).verify(r!.body, r!.headers)).toThrow();
  });

  it("drops, unsent, what was queued for a webhook removed since (its key revoked, the password changed)", async () => {
    const { url, key } = endpoint("ok");
    const d = await delivery(url);
    await runInDurableObject(hubOf(d.userId), (_instance, state) => new Webhooks(state.storage.sql).remove(d.webhookId));
    expect(await throughWorker([{ body: d }])).toMatchObject({ explicitAcks: ["w0"], retryMessages: [] });
    expect(await received(key)).toHaveLength(0);
  });

  it("retries after a 500 with the same webhook-id, and acknowledges once the endpoint takes it", async () => {
    const { url, key } = endpoint("fail-1");
    const d = await delivery(url);
    expect(await throughWorker([{ body: d, attempts: 1 }])).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "w0" }] });
    expect(await throughWorker([{ body: d, attempts: 2 }])).toMatchObject({ explicitAcks: ["w0"], retryMessages: [] });
    const requests = await received(key);
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([d.deliveryId, d.deliveryId]);
    for (const r of requests) expect(await verifies(d, r)).toBe(true);
  });

  it("acknowledges a 410 Gone and reports the webhook as gone", async () => {
    const { url, key } = endpoint("gone");
    const d = await delivery(url);
    expect(await throughWorker([{ body: d }])).toMatchObject({ explicitAcks: ["w0"], retryMessages: [] });

    const gone: [WebhookDelivery, string][] = [];
    const m = recorded(d);
    await consumeWebhooks([m], options(gone));
    expect(m.settled).toEqual({ as: "ack" });
    expect(gone).toEqual([[d, "the endpoint answered 410 Gone"]]);
    expect(await received(key)).toHaveLength(2);
  });

  it("gives a slow endpoint 10 s, then retries it; a fast one in the same batch is acknowledged without waiting", async () => {
    const slow = endpoint("slow-15000");
    const fast = endpoint("ok");
    const start = Date.now();
    const messages = [recorded(await delivery(slow.url), 1, start), recorded(await delivery(fast.url), 1, start)];
    await consumeWebhooks(messages, options());
    const batchMs = Date.now() - start;

    const [s, f] = messages;
    expect(f!.settled).toEqual({ as: "ack" });
    expect(f!.settledAfter).toBeLessThan(2000);
    expect(s!.settled).toMatchObject({ as: "retry" });
    expect(s!.settledAfter).toBeGreaterThanOrEqual(webhookLimits.timeoutMs);
    expect(batchMs).toBeGreaterThanOrEqual(webhookLimits.timeoutMs);
    expect(batchMs).toBeLessThan(webhookLimits.timeoutMs + 3000);
    expect(await received(slow.key)).toHaveLength(1);
    expect(await received(fast.key)).toHaveLength(1);
  });

  it("does not follow a redirect: the delivery is retried and nothing reaches the redirect's target", async () => {
    const { url, key } = endpoint("redirect");
    expect(await throughWorker([{ body: await delivery(url) }])).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "w0" }] });
    expect((await received(key)).map((r) => r.path)).toEqual([`/${key}/redirect`]);
  });

  it("retries when the endpoint cannot be reached, and a delivery that cannot be signed without failing the batch", async () => {
    const broken = { ...await delivery(endpoint("ok").url), secret: "whsec_not base64!" };
    expect(await throughWorker([{ body: await delivery("http://127.0.0.1:9/hook") }, { body: broken }])).toMatchObject({
      explicitAcks: [],
      retryMessages: [{ msgId: "w0" }, { msgId: "w1" }],
    });
  });

  it("waits longer after each failed attempt, up to an hour, and gives up after the last attempt", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { url, key } = endpoint("fail-1000");
    const d = await delivery(url);
    const messages = Array.from({ length: webhookLimits.maxAttempts }, (_, i) => recorded(d, i + 1));
    await consumeWebhooks(messages, options());
    expect(await received(key)).toHaveLength(webhookLimits.maxAttempts);

    const last = messages.pop()!;
    expect(last.settled).toEqual({ as: "ack" });
    const delays = messages.map((m) => (m.settled?.as === "retry" ? m.settled.delaySeconds : NaN));
    expect(delays[0]).toBeGreaterThanOrEqual(22);
    expect(delays[0]).toBeLessThanOrEqual(30);
    const growing = delays.slice(0, 7);
    for (let i = 1; i < growing.length; i++) expect(growing[i], `attempt ${i + 1}`).toBeGreaterThan(growing[i - 1]!);
    for (const delay of delays.slice(7)) expect(delay).toBeGreaterThanOrEqual(2700);
    expect(Math.max(...delays)).toBeLessThanOrEqual(3600);
    const givingUp = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((l) => l.msg === "webhook: giving up on a delivery");
    expect(givingUp).toEqual([
      expect.objectContaining({ level: "warn", deliveryId: d.deliveryId, webhookId: d.webhookId, attempts: webhookLimits.maxAttempts, reason: "the endpoint answered 500" }),
    ]);
  });

  it("backs off 30 s, 1 min, 2 min … to an hour, less up to a quarter at random", () => {
    expect([1, 2, 3, 4, 7, 8, 29].map((a) => webhookRetryDelaySeconds(a, () => 0))).toEqual([30, 60, 120, 240, 1920, 3600, 3600]);
    expect([1, 2, 8].map((a) => webhookRetryDelaySeconds(a, () => 0.999))).toEqual([23, 45, 2701]);
  });

  it("checks the URL policy again at send time: a refused URL gets no request and is reported", async () => {
    const { url, key } = endpoint("ok");
    const gone: [WebhookDelivery, string][] = [];
    const m = recorded(await delivery(url));
    await consumeWebhooks([m], options(gone, false));
    expect(m.settled).toEqual({ as: "ack" });
    expect(gone.map(([, reason]) => reason)).toEqual(["the URL must use https"]);
    expect(await received(key)).toHaveLength(0);
  });

  it("looks the host up again before each delivery: a name now resolving to a private address gets no request and is reported gone", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // The edge as deployed, resolving with the tests' DNS-over-HTTPS server: localtest.me is 127.0.0.1 there.
    const deployed = { WEBHOOK_ALLOW_PRIVATE: "false", WEBHOOK_DNS_URL: webhookDnsUrl() };
    const d = await delivery("https://localtest.me/hook");
    expect(await throughWorker([{ body: d }], deployed)).toMatchObject({ explicitAcks: ["w0"], retryMessages: [] });
    const gone = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((l) => l.msg === "webhook: endpoint gone; removing it");
    expect(gone).toEqual([expect.objectContaining({ webhookId: d.webhookId, reason: "the URL has a host (localtest.me) that resolves to a loopback address (127.0.0.0/8)" })]);
    // A resolver that does not answer is a failed attempt, retried; the webhook stays.
    expect(await throughWorker([{ body: await delivery("https://public.hooks-test.net/hook") }], { ...deployed, WEBHOOK_DNS_URL: "http://127.0.0.1:9/dns-query" })).toMatchObject({
      explicitAcks: [],
      retryMessages: [{ msgId: "w0" }],
    });
  });

  it("delivers from its user's hub: the alarm sends what is staged, and keeps a delivery its endpoint failed until it answers", async () => {
    const good = endpoint("ok");
    const flaky = endpoint("fail-1");
    const first = await delivery(good.url);
    // Both owed to one user's webhooks: the second user's hook moved over, as a core's event would stage them.
    const second = { ...(await delivery(flaky.url)), userId: first.userId };
    const hub = hubOf(first.userId);
    await runInDurableObject(hub, async (_instance, state) => {
      new Webhooks(state.storage.sql).create(flaky.url, ["message.created"], second.secret, { kind: "user" });
      const id = state.storage.sql.exec<{ id: string }>(`SELECT id FROM webhooks WHERE url = ?`, flaky.url).one().id;
      Object.assign(second, { webhookId: id });
      for (const d of [first, second]) state.storage.sql.exec(`INSERT INTO webhook_outbox (delivery_id, body) VALUES (?, ?)`, d.deliveryId, JSON.stringify(d));
      await state.storage.setAlarm(Date.now());
    });
    const waitFor = async (key: string, n: number) => {
      const deadline = Date.now() + 15_000;
      let requests = await received(key);
      while (requests.length < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        requests = await received(key);
      }
      return requests;
    };
    const [delivered] = await waitFor(good.key, 1);
    expect(await verifies(first, delivered!)).toBe(true);
    expect(await waitFor(flaky.key, 1)).toHaveLength(1);
    // The failed one stays in storage, owed again after the backoff, with the alarm set for it.
    const owed = await runInDurableObject(hub, async (_instance, state) => ({
      rows: state.storage.sql.exec<{ delivery_id: string; attempts: number; next_at: number }>(`SELECT delivery_id, attempts, next_at FROM webhook_outbox`).toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(owed.rows.map((r) => [r.delivery_id, r.attempts])).toEqual([[second.deliveryId, 1]]);
    expect(owed.rows[0]!.next_at).toBeGreaterThan(Date.now() + 15_000);
    expect(owed.alarm).toBe(owed.rows[0]!.next_at);
    // Its time come (moved forward here), the alarm delivers it, with the same webhook-id, and it is settled.
    await runInDurableObject(hub, async (_instance, state) => {
      state.storage.sql.exec(`UPDATE webhook_outbox SET next_at = 0`);
      await state.storage.setAlarm(Date.now());
    });
    const requests = await waitFor(flaky.key, 2);
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([second.deliveryId, second.deliveryId]);
    expect(await verifies(second, requests[1]!)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(await runInDurableObject(hub, (_instance, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM webhook_outbox`).one().n)).toBe(0);
    expect(await received(good.key)).toHaveLength(1);
  });
});
