// Undo send, inside workerd: held sends wait in the user's hub (its storage and alarm), which decides
// between a cancel and the alarm's claim, and the real core shows what was delivered.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SendAccepted, SendCancelled, type Account, type MessagePage } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { problemType } from "../../../shared/problem.ts";
import { until } from "../../../test/support/until.ts";
import { api, conforms, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";
import { outboxKey } from "../queue-messages.ts";
import { loadEdgeConfig } from "../config.ts";
import { CoreClient } from "../core-client.ts";
import { deliverDueSends } from "../hub/held-delivery.ts";
import { HeldSends } from "../hub/held-sends.ts";
import { r2Bucket } from "../r2-bucket.ts";

let uma: string;
let vic: string;

async function folder(token: string, role: string): Promise<MessagePage["messages"]> {
  return ((await (await api(`/api/v1/folders/${role}/messages?limit=100`, { token })).json()) as MessagePage).messages;
}

async function send(json: Record<string, unknown>): Promise<SendAccepted> {
  return conforms(await api("/api/v1/messages", { method: "POST", token: uma, json: { to: [seed.vic.address], text: "Held a moment.", ...json } }), SendAccepted, 202);
}

const cancel = (id: string, token = uma) => api(`/api/v1/outbox/${id}`, { method: "DELETE", token });

/** Whether the message with `subject` reached vic's inbox or uma's Sent. */
async function delivered(subject: string): Promise<boolean> {
  return (await folder(vic, "inbox")).some((m) => m.subject === subject) || (await folder(uma, "sent")).some((m) => m.subject === subject);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hubOf = (userId: string) => env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(userId));

async function userIdOf(token: string): Promise<string> {
  return ((await (await api("/api/v1/account", { token })).json()) as Account).id;
}

/** Copies of the message with `subject` in vic's inbox. */
async function copies(subject: string): Promise<number> {
  return (await folder(vic, "inbox")).filter((m) => m.subject === subject).length;
}

beforeAll(async () => {
  uma = await login(seed.uma.address, seed.uma.password);
  vic = await login(seed.vic.address, seed.vic.password);
});

describe("undo send", () => {
  it("holds a send until its sendAt, then delivers it; cancelling it then is a 409", async () => {
    const subject = `held ${crypto.randomUUID()}`;
    const before = Date.now();
    const accepted = await send({ subject, holdSeconds: 2 });
    expect(accepted).toMatchObject({ status: "held", duplicate: false });
    const sendAt = Date.parse((accepted as { sendAt: string }).sendAt);
    expect(sendAt - before).toBeGreaterThanOrEqual(2000);
    expect(sendAt - before).toBeLessThan(4000);

    const received = await until(async () => (await folder(vic, "inbox")).find((m) => m.subject === subject), "vic's copy", 20_000);
    expect(Date.now()).toBeGreaterThanOrEqual(sendAt);
    expect(received.from?.address).toBe(seed.uma.address);
    await until(async () => (await folder(uma, "sent")).some((m) => m.id === accepted.id), "uma's Sent copy");

    const late = await cancel(accepted.id);
    expect(late.status).toBe(409);
    const problem = (await late.json()) as { type: string; detail: string };
    expect(problem.type).toBe(problemType("conflict"));
    expect(problem.detail).toContain("Already sent");
  });

  it("cancelled within the hold: nothing is delivered, the draft stays, the body in R2 goes", async () => {
    const draftId = uuidv7();
    const subject = `cancelled ${crypto.randomUUID()}`;
    // Long enough to travel by R2 rather than inside the queue message.
    const text = "second thoughts\n".repeat(8000);
    expect((await api(`/api/v1/drafts/${draftId}`, { method: "PUT", token: uma, json: { to: [seed.vic.address], subject, text } })).status).toBe(200);
    const accepted = await send({ subject, text, draftId, holdSeconds: 2 });
    expect(accepted.status).toBe("held");
    const { id: userId } = (await (await api("/api/v1/account", { token: uma })).json()) as Account;
    const bodyKey = outboxKey(userId, accepted.id);
    expect(await env.BLOBS.head(bodyKey)).not.toBeNull();

    expect(await conforms(await cancel(accepted.id), SendCancelled)).toEqual({ id: accepted.id, status: "cancelled" });
    // Asked twice (a second tab, a retried request): the same answer.
    expect(await conforms(await cancel(accepted.id), SendCancelled)).toEqual({ id: accepted.id, status: "cancelled" });

    // The consumer drops the body only on finding the send cancelled: past the hold, it has run.
    await until(async () => (await env.BLOBS.head(bodyKey)) === null, "the held body removed", 20_000);
    await sleep(2500); // time for the copies, were there any
    expect(await delivered(subject)).toBe(false);
    expect((await folder(uma, "drafts")).map((m) => m.id)).toContain(draftId);
    expect((await cancel(accepted.id)).status).toBe(200);
  });

  it("cancels a small held send too, which then never arrives", async () => {
    const subject = `undone ${crypto.randomUUID()}`;
    const accepted = await send({ subject, holdSeconds: 1 });
    expect((await cancel(accepted.id)).status).toBe(200);
    await sleep(4500); // past the hold, and time for the copies, were there any
    expect(await delivered(subject)).toBe(false);
  });

  it("is 404 for another user's send, which still goes out", async () => {
    const subject = `not yours ${crypto.randomUUID()}`;
    const accepted = await send({ subject, holdSeconds: 2 });
    const other = await cancel(accepted.id, vic);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { type: string }).type).toBe(problemType("notFound"));
    await until(async () => (await folder(vic, "inbox")).find((m) => m.subject === subject), "vic's copy", 20_000);
  });

  it("is 404 for an id of no held send", async () => {
    expect((await cancel(uuidv7())).status).toBe(404);
    expect((await cancel("not-an-id")).status).toBe(404);
    // Sent without a hold: there is nothing to undo.
    const now = await send({ subject: `at once ${crypto.randomUUID()}` });
    expect(now).toEqual({ id: now.id, status: "queued", duplicate: false });
    expect((await cancel(now.id)).status).toBe(404);
  });

  it("answers a retried held send (same Idempotency-Key) with the first one's sendAt, and a retry after a cancel with 409", async () => {
    const key = `undo-${crypto.randomUUID()}`;
    const body = { to: [seed.vic.address], subject: `retried ${crypto.randomUUID()}`, holdSeconds: 30 };
    const first = await conforms(await api("/api/v1/messages", { method: "POST", token: uma, json: body, headers: { "idempotency-key": key } }), SendAccepted, 202);
    await sleep(1100);
    const again = await conforms(await api("/api/v1/messages", { method: "POST", token: uma, json: body, headers: { "idempotency-key": key } }), SendAccepted, 202);
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await cancel(first.id)).status).toBe(200);
    const afterCancel = await api("/api/v1/messages", { method: "POST", token: uma, json: body, headers: { "idempotency-key": key } });
    expect(afterCancel.status).toBe(409);

    // A large one, whose body travels by R2: the retry refused after the cancel leaves no copy behind.
    const bigKey = `undo-${crypto.randomUUID()}`;
    const big = { ...body, subject: `retried big ${crypto.randomUUID()}`, text: "second thoughts\n".repeat(8000) };
    const held = await conforms(await api("/api/v1/messages", { method: "POST", token: uma, json: big, headers: { "idempotency-key": bigKey } }), SendAccepted, 202);
    const bodyKey = outboxKey(((await (await api("/api/v1/account", { token: uma })).json()) as Account).id, held.id);
    expect((await cancel(held.id)).status).toBe(200);
    expect(await env.BLOBS.head(bodyKey)).toBeNull();
    expect((await api("/api/v1/messages", { method: "POST", token: uma, json: big, headers: { "idempotency-key": bigKey } })).status).toBe(409);
    expect(await env.BLOBS.head(bodyKey)).toBeNull();
  });

  it("keeps a held send with its message in the hub's storage, with the alarm set for its sendAt", async () => {
    const subject = `stored ${crypto.randomUUID()}`;
    const accepted = await send({ subject, holdSeconds: 30 });
    const sendAt = Date.parse((accepted as { sendAt: string }).sendAt);
    const stored = await runInDurableObject(hubOf(await userIdOf(uma)), async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      due: new HeldSends(state.storage.sql).due(sendAt, 100).find((s) => s.messageId === accepted.id),
    }));
    expect(stored.alarm).not.toBeNull();
    expect(stored.alarm!).toBeLessThanOrEqual(sendAt);
    expect(stored.due).toMatchObject({ state: "held", region: "local", bodyKey: null, attempts: 0, refused: null });
    expect(JSON.parse(stored.due!.body!)).toMatchObject({ messageId: accepted.id, message: { subject } });
    expect((await cancel(accepted.id)).status).toBe(200);
  });

  it("decides a cancel racing the alarm exactly: cancelled and never sent, or 409 and sent once", async () => {
    const hub = hubOf(await userIdOf(uma));
    const outcomes: { subject: string; status: number }[] = [];
    // The cancel first, the alarm first, and both at once at sendAt.
    for (const order of ["cancel-first", "alarm-first", "together", "together", "together"] as const) {
      const subject = `race ${order} ${crypto.randomUUID()}`;
      const accepted = await send({ subject, holdSeconds: 1 });
      const untilSendAt = () => sleep(Math.max(0, Date.parse((accepted as { sendAt: string }).sendAt) - Date.now()));
      let status: number;
      if (order === "cancel-first") {
        // Before sendAt: the hub's own alarm fires at sendAt, so a cancel then could come second on a
        // busy machine. The alarm run after it must send nothing.
        status = (await cancel(accepted.id)).status;
        await untilSendAt();
        await runDurableObjectAlarm(hub);
        expect(status, order).toBe(200);
      } else if (order === "alarm-first") {
        await untilSendAt();
        await runDurableObjectAlarm(hub);
        status = (await cancel(accepted.id)).status;
        expect(status, order).toBe(409);
      } else {
        await untilSendAt();
        [status] = await Promise.all([cancel(accepted.id).then((r) => r.status), runDurableObjectAlarm(hub)]);
      }
      outcomes.push({ subject, status });
    }
    for (const { subject } of outcomes.filter((o) => o.status === 409)) {
      await until(async () => (await copies(subject)) > 0, `vic's copy of ${subject}`, 20_000);
    }
    await sleep(2500); // time for second copies, and for copies of cancelled sends, were there any
    for (const { subject, status } of outcomes) {
      expect([200, 409], subject).toContain(status);
      expect(await copies(subject), subject).toBe(status === 409 ? 1 : 0);
    }
  });

  it("keeps a claimed send while its core cannot be reached, and sends it once when it can", async () => {
    const userId = await userIdOf(uma);
    const subject = `core down ${crypto.randomUUID()}`;
    const accepted = await send({ subject, holdSeconds: 60 });
    const sendAt = Date.parse((accepted as { sendAt: string }).sendAt);
    const config = loadEdgeConfig(env as unknown as Record<string, unknown>);
    if (!config.ok) throw new Error(config.problems.join("; "));
    // Nothing listens on the discard port of loopback: the region's core is down.
    const fetchImpl: typeof fetch = (input, init) => fetch(input, init);
    const down = new CoreClient({ ...config.config, coreUrls: { local: ["http://127.0.0.1:9"] } }, fetchImpl, "test-core-down");
    const up = new CoreClient(config.config, fetchImpl, "test-core-up");
    const blobs = r2Bucket(env.BLOBS);
    const afterFailure = await runInDurableObject(hubOf(userId), async (_instance, state) => {
      const held = new HeldSends(state.storage.sql);
      await deliverDueSends(held, { core: down, blobs, userId }, sendAt);
      return { now: held.due(sendAt, 100).find((s) => s.messageId === accepted.id), later: held.due(sendAt + 5000, 100).find((s) => s.messageId === accepted.id) };
    });
    // Claimed (a cancel now is too late), owed again 5 s later.
    expect(afterFailure.now).toBeUndefined();
    expect(afterFailure.later).toMatchObject({ state: "sent", attempts: 1 });
    expect((await cancel(accepted.id)).status).toBe(409);
    expect(await copies(subject)).toBe(0);

    const nextDue = await runInDurableObject(hubOf(userId), async (_instance, state) => {
      const held = new HeldSends(state.storage.sql);
      await deliverDueSends(held, { core: up, blobs, userId }, sendAt + 5000);
      // A run that comes again (a retried alarm) finds nothing owed.
      await deliverDueSends(held, { core: up, blobs, userId }, sendAt + 60_000);
      return held.due(sendAt + 3_600_000, 100).find((s) => s.messageId === accepted.id) ?? null;
    });
    expect(nextDue).toBeNull();
    await until(async () => (await copies(subject)) > 0, "vic's copy", 20_000);
    await sleep(1500);
    expect(await copies(subject)).toBe(1);
  });

  it("refuses a hold outside 0–60 whole seconds, naming holdSeconds", async () => {
    for (const holdSeconds of [61, -1, 1.5, "5", null]) {
      const res = await api("/api/v1/messages", { method: "POST", token: uma, json: { to: [seed.vic.address], subject: "never", holdSeconds } });
      expect(res.status, String(holdSeconds)).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), String(holdSeconds)).toContain("holdSeconds");
    }
  });

  it("gives a cancelled send's recipients back to the daily quota, once however often it is cancelled", async () => {
    const quinn = await login(seed.quinn.address, seed.quinn.password);
    const limit = seed.sendDailyLimit;
    const to = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}@remote.test`);
    const hold = (recipients: string[]) => api("/api/v1/messages", { method: "POST", token: quinn, json: { to: recipients, subject: "held for the quota", text: "Never sent.", holdSeconds: 60 } });
    const a = (await hold(to(25, "a")).then((r) => conforms(r, SendAccepted, 202))).id;
    // Two go at once (to two users of this service): 27 of the day's 40 are spent.
    expect((await api("/api/v1/messages", { method: "POST", token: quinn, json: { to: [seed.vic.address, seed.uma.address], text: "Sent now." } })).status).toBe(202);
    for (let i = 0; i < 2; i++) expect((await cancel(a, quinn)).status).toBe(200);
    // Given back once: 2 are spent. Twice would have given back 50 (down to 0), none would leave 27.
    const tooMany = await hold(to(limit - 1, "c"));
    expect(tooMany.status).toBe(429);
    const fits = await hold(to(limit - 2, "d"));
    expect(fits.status).toBe(202);
    expect((await cancel(((await fits.json()) as SendAccepted).id, quinn)).status).toBe(200);
  });
});
