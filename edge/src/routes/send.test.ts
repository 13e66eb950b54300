// Sending through the edge, inside workerd: the API, R2, the outgoing queue (consumed by this
// worker's own queue handler) and a real core behind it.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { MessagePage, SendAccepted, UploadedAttachment } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import worker from "../index.ts";
import { retryDelaySeconds } from "../queue/consumers.ts";
import { until } from "../../../test/support/until.ts";

let alice: string;
let bob: string;

async function folder(token: string, role: string): Promise<MessagePage["messages"]> {
  return ((await (await api(`/api/v1/folders/${role}/messages?limit=100`, { token })).json()) as MessagePage).messages;
}

async function send(token: string, json: unknown, headers: Record<string, string> = {}) {
  return api("/api/v1/messages", { method: "POST", token, json, headers });
}

beforeAll(async () => {
  alice = await login(seed.alice.address, seed.alice.password);
  bob = await login(seed.bob.address, seed.bob.password);
});

describe("POST /api/v1/attachments", () => {
  it("streams a file into R2 under its SHA-256, once however often it is uploaded", async () => {
    const bytes = new TextEncoder().encode("quarterly numbers\n".repeat(1000));
    const upload = () => api("/api/v1/attachments?filename=numbers.txt", { method: "POST", token: alice, body: bytes, headers: { "content-type": "text/plain" } });
    const first = await upload();
    expect(first.status).toBe(201);
    const a = (await first.json()) as UploadedAttachment;
    expect(a).toMatchObject({ filename: "numbers.txt", contentType: "text/plain", size: bytes.length });
    const b = (await (await upload()).json()) as UploadedAttachment;
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");
    const stored = await env.BLOBS.get(`att/sha256/${hash}`);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes);
    expect((await env.BLOBS.list({ prefix: "att/" })).objects.filter((o) => o.key.endsWith(hash))).toHaveLength(1);
    expect((await env.BLOBS.list({ prefix: "tmp/" })).objects).toHaveLength(0);
    expect(b.id.split(".")[0]).toBe(a.id.split(".")[0]);
  });

  it("refuses what is too large, empty, or has no length", async () => {
    expect((await api("/api/v1/attachments", { method: "POST", token: alice, body: new Uint8Array(seed.maxMessageBytes + 1) })).status).toBe(413);
    expect((await api("/api/v1/attachments", { method: "POST", token: alice, body: new Uint8Array(0) })).status).toBe(400);
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1, 2, 3])), c.close()) });
    expect((await api("/api/v1/attachments", { method: "POST", token: alice, body: stream })).status).toBe(411);
  });

  it("gives ids that only their uploader can send", async () => {
    const a = (await (await api("/api/v1/attachments?filename=mine.txt", { method: "POST", token: alice, body: "mine" })).json()) as UploadedAttachment;
    const res = await send(bob, { to: ["x@remote.test"], subject: "stolen", attachments: [{ id: a.id }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe("attachments.0.id");
  });
});

describe("POST /api/v1/messages", () => {
  it("answers 202 once queued; the message reaches Sent and a local recipient's inbox", async () => {
    const res = await send(alice, { from: { name: "Alice" }, to: [{ name: "Bob", address: seed.bob.address }], subject: "Lunch on Friday?", text: "Noon at the usual place." });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as SendAccepted;
    expect(accepted).toMatchObject({ status: "queued", duplicate: false });
    const sent = await until(async () => (await folder(alice, "sent")).find((m) => m.id === accepted.id), "Sent copy", 20_000);
    expect(sent.subject).toBe("Lunch on Friday?");
    const received = await until(async () => (await folder(bob, "inbox")).find((m) => m.subject === "Lunch on Friday?"), "Bob's copy", 20_000);
    expect(received.from).toEqual({ name: "Alice", address: seed.alice.address });
  });

  it("threads a reply to a message in the mailbox (In-Reply-To, References)", async () => {
    const original = await until(async () => (await folder(bob, "inbox")).find((m) => m.subject === "Lunch on Friday?"), "original", 20_000);
    const originalFull = (await (await api(`/api/v1/messages/${original.id}`, { token: bob })).json()) as { messageId: string };
    const res = await send(bob, { to: [seed.alice.address], subject: "Re: Lunch on Friday?", text: "Yes!", inReplyTo: original.id });
    expect(res.status).toBe(202);
    const reply = await until(async () => (await folder(alice, "inbox")).find((m) => m.subject === "Re: Lunch on Friday?"), "reply", 20_000);
    const full = (await (await api(`/api/v1/messages/${reply.id}`, { token: alice })).json()) as { inReplyTo: string };
    expect(full.inReplyTo).toBe(originalFull.messageId);
    // Both mailboxes keep the conversation together: Bob's Sent reply is in the thread of the
    // message it answers, and Alice's copy in the thread of her Sent original.
    const bobsReply = await until(async () => (await folder(bob, "sent")).find((m) => m.subject === "Re: Lunch on Friday?"), "Bob's Sent reply", 20_000);
    expect(bobsReply.threadId).toBe(original.threadId);
    const alicesOriginal = (await folder(alice, "sent")).find((m) => m.subject === "Lunch on Friday?")!;
    expect(reply.threadId).toBe(alicesOriginal.threadId);
  });

  it("sends once per Idempotency-Key, and refuses the key for another request", async () => {
    const key = `key-${crypto.randomUUID()}`;
    const body = { to: [seed.bob.address], subject: "Only once", text: "x" };
    const first = (await (await send(alice, body, { "idempotency-key": key })).json()) as SendAccepted;
    const again = await send(alice, body, { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect((await again.json()) as SendAccepted).toEqual({ id: first.id, status: "queued", duplicate: true });
    const other = await send(alice, { ...body, subject: "Something else" }, { "idempotency-key": key });
    expect(other.status).toBe(422);
    await until(async () => (await folder(bob, "inbox")).find((m) => m.subject === "Only once"), "Bob's copy", 20_000);
    await new Promise((r) => setTimeout(r, 2500)); // time for a second copy, were there one
    expect((await folder(bob, "inbox")).filter((m) => m.subject === "Only once")).toHaveLength(1);
    expect((await folder(alice, "sent")).filter((m) => m.subject === "Only once")).toHaveLength(1);
  });

  it("names every bad field; header injection is impossible", async () => {
    const cases: [unknown, number, string][] = [
      [{ to: ["bob@example.test"], subject: "Hi\r\nBcc: everyone@example.org" }, 400, "subject"],
      [{ to: [{ name: "Bob\nBcc: x@y.test", address: "bob@example.test" }] }, 400, "to.0.name"],
      [{ to: ["not an address"] }, 400, "to.0"],
      [{ to: [] }, 400, "to"],
      [{ to: Array.from({ length: 60 }, (_, i) => `r${i}@remote.test`), cc: Array.from({ length: 41 }, (_, i) => `c${i}@remote.test`) }, 400, "to"],
      [{ to: ["bob@example.test"], from: { address: "ceo@example.test" } }, 400, "from.address"],
      [{ to: ["bob@example.test"], attachments: [{ id: "forged.token" }] }, 400, "attachments.0.id"],
      [{ to: ["bob@example.test"], colour: "red" }, 400, "(body)"],
    ];
    for (const [json, status, field] of cases) {
      const res = await send(alice, json);
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(status);
      const problem = (await res.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field), JSON.stringify(json).slice(0, 80)).toContain(field);
    }
    const big = await send(alice, { to: ["bob@example.test"], text: "x".repeat(seed.maxMessageBytes + 10) });
    expect(big.status).toBe(413);
    const badKey = await send(alice, { to: ["bob@example.test"] }, { "idempotency-key": "has space" });
    expect(badKey.status).toBe(400);
  });

  it("answers 429 with Retry-After past the daily sending limit", async () => {
    const dora = await login(seed.dora.address, seed.dora.password);
    const ok = await send(dora, { to: Array.from({ length: seed.sendDailyLimit }, (_, i) => `friend${i}@remote.test`), subject: "Invitation" });
    expect(ok.status).toBe(202);
    const over = await send(dora, { to: ["one.more@remote.test"], subject: "Too many" });
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(((await over.json()) as { detail: string }).detail).toContain("daily sending limit");
  });
});

describe("drafts", () => {
  it("saves, replaces and, once sent, removes a draft", async () => {
    const id = uuidv7();
    expect((await api(`/api/v1/drafts/${id}`, { method: "PUT", token: alice, json: { to: [seed.bob.address], subject: "Draft one", text: "first try" } })).status).toBe(200);
    expect((await api(`/api/v1/drafts/${id}`, { method: "PUT", token: alice, json: { to: [seed.bob.address], subject: "Draft two", text: "second try" } })).status).toBe(200);
    const drafts = (await folder(alice, "drafts")).filter((m) => m.id === id);
    expect(drafts.map((d) => d.subject)).toEqual(["Draft two"]);
    expect((await send(alice, { to: [seed.bob.address], subject: "Draft two", text: "second try", draftId: id })).status).toBe(202);
    await until(async () => ((await folder(alice, "drafts")).some((m) => m.id === id) ? undefined : true), "draft removed", 20_000);
    await until(async () => (await folder(alice, "sent")).find((m) => m.subject === "Draft two"), "sent", 20_000);
    expect((await api("/api/v1/drafts/not-an-id", { method: "PUT", token: alice, json: {} })).status).toBe(400);
  });
});

describe("the outgoing queue's consumer", () => {
  it("sends a message the core refuses to the errors queue, acknowledged, and records it with the core", async () => {
    const userId = (await (await api("/api/v1/account", { token: alice })).json()) as { id: string };
    const missing = { v: 1 as const, userId: userId.id, region: "local", messageId: uuidv7(), bodyKey: "outbox/nowhere.json" };
    const batch = createMessageBatch("edgemail-outgoing", [{ id: "m1", timestamp: Date.now(), attempts: 1, body: missing }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["m1"], retryMessages: [] });

    const errors = createMessageBatch("edgemail-outgoing-errors", [{ id: "e1", timestamp: Date.now(), attempts: 1, body: { ...missing, reason: "the message's body is missing from storage" } }]);
    const ctx2 = createExecutionContext();
    await worker.queue(errors, env, ctx2);
    expect(await getQueueResult(errors, ctx2)).toMatchObject({ explicitAcks: ["e1"] });
  });

  it("keeps a message queued (retry) while its core cannot be reached", async () => {
    const batch = createMessageBatch("edgemail-outgoing", [{ id: "m2", timestamp: Date.now(), attempts: 3, body: { v: 1 as const, userId: uuidv7(), region: "nowhere", messageId: uuidv7(), bodyKey: "outbox/x.json" } }]);
    await env.BLOBS.put("outbox/x.json", "{}");
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, CORE_URLS: JSON.stringify({ local: "http://127.0.0.1:9", nowhere: "http://127.0.0.1:9" }) }, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "m2" }] });
  });

  it("waits longer between retries, up to an hour", () => {
    expect([1, 2, 3, 4, 12, 50].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 3600, 3600]);
  });
});
