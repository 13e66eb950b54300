// The per-user Durable Object through the worker, inside workerd: events published the way a core
// publishes them (signed POST /internal/v1/events) reach WebSockets, long-polls and SSE streams.
// Frank only ever gets made-up events here, so their seqs cannot clash with a real core's.
import { runInDurableObject, SELF, env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { signRequest } from "../../../shared/signing.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import type { CoreEvent, EventsPage } from "../../../shared/events.ts";
import { api, BASE, login } from "../../test/api.ts";
import { notify, openSocket, summary } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";
import { EventLog } from "./event-log.ts";

let frankToken = "";
let frankId = "";
let bobToken = "";
let seq = 0;
const inbox = uuidv7();

function created(subject: string): CoreEvent {
  return { userId: frankId, seq: ++seq, at: Date.now(), type: "message.created", data: { message: summary(inbox, subject) } };
}

async function poll(query: string, token = frankToken): Promise<{ status: number; body: EventsPage; ms: number }> {
  const started = Date.now();
  const res = await api(`/api/v1/events${query}`, { token });
  return { status: res.status, body: (await res.json()) as EventsPage, ms: Date.now() - started };
}

beforeAll(async () => {
  const res = await api("/api/v1/auth/login", { method: "POST", json: { address: seed.frank.address, password: seed.frank.password } });
  const body = (await res.json()) as { token: string; user: { id: string } };
  frankToken = body.token;
  frankId = body.user.id;
  bobToken = await login(seed.bob.address, seed.bob.password);
});

describe("WebSocket /api/v1/events/ws", () => {
  it("delivers one published event to every open socket of the user, with growing cursors", async () => {
    const a = await openSocket(frankToken);
    const b = await openSocket(frankToken);
    expect(a.protocol).toBe("edgemail.v1");
    const res = await notify([created("one"), created("two")]);
    expect(res.status).toBe(200);
    for (const s of [a, b]) {
      await s.until((x) => x.events().length >= 2);
      const [first, second] = s.events();
      expect(first!.type).toBe("message.created");
      expect((first!.data as { message: { subject: string } }).message.subject).toBe("one");
      expect(second!.cursor).toBeGreaterThan(first!.cursor);
    }
    a.ws.close(1000);
    b.ws.close(1000);
  });

  it("replays what was missed after ?since= and ignores a seq it already has", async () => {
    const live = await openSocket(frankToken);
    await notify([created("before reconnect")]);
    await live.until((x) => x.events().length >= 1);
    const from = live.events()[0]!.cursor;
    live.ws.close(1000);
    const missed = created("while away");
    await notify([missed]);
    await notify([missed]); // a core's retry: the same seq again
    const again = await openSocket(frankToken, `?since=${from}`);
    const replayed = again.events();
    expect(replayed.map((e) => (e.data as { message: { subject: string } }).message.subject)).toEqual(["while away"]);
    expect(replayed[0]!.cursor).toBe(from + 1);
    again.ws.close(1000);
  });

  it("sends resync for a cursor it never handed out", async () => {
    const s = await openSocket(frankToken, "?since=999999999");
    expect(s.events()).toHaveLength(1);
    expect(s.events()[0]).toMatchObject({ type: "resync", data: { reason: "unknown-cursor" } });
    s.ws.close(1000);
  });

  it("takes the token from ?access_token= too, and refuses a missing or bad one", async () => {
    const ok = await SELF.fetch(`${BASE}/api/v1/events/ws?access_token=${frankToken}`, { headers: { upgrade: "websocket" } });
    expect(ok.status).toBe(101);
    ok.webSocket!.accept();
    ok.webSocket!.close(1000);
    const none = await SELF.fetch(`${BASE}/api/v1/events/ws`, { headers: { upgrade: "websocket" } });
    expect(none.status).toBe(401);
    const bad = await SELF.fetch(`${BASE}/api/v1/events/ws`, { headers: { upgrade: "websocket", "sec-websocket-protocol": "edgemail.v1, bearer.not-a-token" } });
    expect(bad.status).toBe(401);
    const plain = await api("/api/v1/events/ws", { token: frankToken });
    expect(plain.status).toBe(426);
    expect(plain.headers.get("content-type")).toBe("application/problem+json");
  });

  it("never gives one user's events to another user's socket", async () => {
    const bobs = await openSocket(bobToken);
    const franks = await openSocket(frankToken);
    await notify([created("frank's secret")]);
    await franks.until((x) => x.events().length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(bobs.events()).toEqual([]);
    // Bob cannot name Frank's stream: the stream is always the token's user.
    const sneaky = await poll(`?since=0&timeout=0`, bobToken);
    expect(JSON.stringify(sneaky.body)).not.toContain("frank's secret");
    bobs.ws.close(1000);
    franks.ws.close(1000);
  });
});

describe("long-poll GET /api/v1/events", () => {
  it("answers at once when events wait after since", async () => {
    const { body: now } = await poll("?timeout=0");
    await notify([created("waiting")]);
    const { status, body, ms } = await poll(`?since=${now.cursor}&timeout=25`);
    expect(status).toBe(200);
    expect(body.events).toHaveLength(1);
    expect(body.cursor).toBe(body.events[0]!.cursor);
    expect(ms).toBeLessThan(2000);
  });

  it("holds the request until an event arrives", async () => {
    const { body: now } = await poll("?timeout=0");
    const waiting = poll(`?since=${now.cursor}&timeout=20`);
    await new Promise((r) => setTimeout(r, 300));
    await notify([created("arrives while polling"), created("in the same batch")]);
    const { body, ms } = await waiting;
    // The whole batch, not just its first event.
    expect(body.events.map((e) => (e.data as { message: { subject: string } }).message.subject)).toEqual(["arrives while polling", "in the same batch"]);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(5000);
  });

  it("answers empty after the timeout", async () => {
    const { body: now } = await poll("?timeout=0");
    const { status, body, ms } = await poll(`?since=${now.cursor}&timeout=1`);
    expect(status).toBe(200);
    expect(body).toEqual({ events: [], cursor: now.cursor });
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it("names bad parameters", async () => {
    const res = await api("/api/v1/events?since=abc&timeout=99", { token: frankToken });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(["query.since", "query.timeout"]);
  });

  it("answers resync past the retained window (1,000 events and 24 hours)", async () => {
    const { body: start } = await poll("?timeout=0");
    const burst = Array.from({ length: 1005 }, (_, i) => created(`burst ${i}`));
    expect((await notify(burst)).status).toBe(200);
    // Let a day pass for the log: prune as if it were 25 hours later.
    const stub = env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(frankId));
    await runInDurableObject(stub, (_instance, state) => new EventLog(state.storage.sql).prune(Date.now() + 25 * 3600_000));
    const { body } = await poll(`?since=${start.cursor}&timeout=0`);
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ type: "resync", data: { reason: "cursor-too-old" } });
    // The last 1,000 are still there.
    const { body: recent } = await poll(`?since=${body.cursor - 1000}&timeout=0`);
    expect(recent.events).toHaveLength(1000);
  });
});

describe("Server-Sent Events GET /api/v1/events/stream", () => {
  it("resumes after Last-Event-ID and then streams live events", async () => {
    const { body: now } = await poll("?timeout=0");
    await notify([created("sse missed")]);
    const res = await SELF.fetch(`${BASE}/api/v1/events/stream`, { headers: { authorization: `Bearer ${frankToken}`, "last-event-id": String(now.cursor) } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += value;
      }
    };
    await readUntil("sse missed");
    expect(text).toContain(`id: ${now.cursor + 1}\nevent: message.created\n`);
    await notify([created("sse live")]);
    await readUntil("sse live");
    await reader.cancel();
  });
});

describe("POST /internal/v1/events (from the cores)", () => {
  it("refuses an unsigned or tampered batch and names bad events", async () => {
    const body = JSON.stringify({ region: "local", events: [created("forged")] });
    const unsigned = await SELF.fetch(`${BASE}/internal/v1/events`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(unsigned.status).toBe(401);
    seq--; // the forged one was never published
    // An event this edge cannot read is skipped and logged; the good one beside it is taken.
    const { body: before } = await poll("?timeout=0");
    const good = created("beside a bad one");
    const mixed = await notify([{ userId: frankId, seq: 0, at: Date.now(), type: "message.created", data: {} } as unknown as CoreEvent, good]);
    expect(mixed.status).toBe(200);
    expect(await mixed.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const { body: after } = await poll(`?since=${before.cursor}&timeout=0`);
    expect(after.events).toHaveLength(1);
    // A malformed request as a whole is a 400 naming the field.
    const headers = await signRequest(inject("signingSecret"), { method: "POST", pathAndQuery: "/internal/v1/events", body: "{}" });
    const envelope = await SELF.fetch(`${BASE}/internal/v1/events`, { method: "POST", body: "{}", headers: { ...headers, "content-type": "application/json" } });
    expect(envelope.status).toBe(400);
    expect(((await envelope.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(["events", "region"]);
  });
});
