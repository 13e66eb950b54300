// The per-user Durable Object through the worker, inside workerd: events published the way a core
// publishes them (signed POST /internal/v1/events) reach WebSockets, long-polls and SSE streams.
// Frank only ever gets made-up events here, so their seqs cannot clash with a real core's.
import { runInDurableObject, SELF, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { ApiKeyCreated, Scope } from "../../../shared/api.ts";
import { signRequest } from "../../../shared/signing.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { EventData, MessageNotice, type ClientEvent, type CoreEvent, type EventsPage } from "../../../shared/events.ts";
import { api, BASE, login } from "../../test/api.ts";
import { notify, openSocket, summary, type EventSocket } from "../../test/events.ts";
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

  it("takes the token from ?access_token= too (not from the query of other routes), and refuses a missing or bad one", async () => {
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
    const headers = await signRequest(inject("signingSecret"), BASE, { method: "POST", pathAndQuery: "/internal/v1/events", body: "{}" });
    const envelope = await SELF.fetch(`${BASE}/internal/v1/events`, { method: "POST", body: "{}", headers: { ...headers, "content-type": "application/json" } });
    expect(envelope.status).toBe(400);
    expect(((await envelope.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(["events", "region"]);
  });
});

/** Reads an SSE response until `needle` arrives; returns everything read. */
function sseReader(res: Response): (needle: string) => Promise<string> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  return async (needle) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += value;
    }
    void reader.cancel();
    return text;
  };
}

/** The message.created events of an SSE transcript, as sent. */
function sseCreated(text: string): ClientEvent<"message.created">[] {
  return [...text.matchAll(/^event: message\.created\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as ClientEvent<"message.created">);
}

describe("what events say depends on mail.read", () => {
  const contentFields = ["subject", "from", "to", "snippet", "keywords"];
  let eventsOnly = "";
  let reader = "";

  beforeAll(async () => {
    const make = async (scopes: Scope[]) =>
      ((await (await api("/api/v1/api-keys", { method: "POST", token: frankToken, json: { name: scopes.join("+"), scopes } })).json()) as ApiKeyCreated).key;
    [eventsOnly, reader] = [await make(["events"]), await make(["mail.read", "events"])];
  });

  /** The message.created event's message must be a MessageNotice: no content, every other field, and
   * the event still has the documented shape of message.created. */
  function expectNotice(event: ClientEvent<"message.created">, subject: string): void {
    const { message } = event.data;
    expect(Object.keys(message).sort()).toEqual(Object.keys(MessageNotice.shape).sort());
    for (const field of contentFields) expect(message, field).not.toHaveProperty(field);
    expect(JSON.stringify(event)).not.toContain(subject);
    expect(JSON.stringify(event)).not.toContain("carol@remote.test");
    expect(EventData["message.created"].parse(event.data)).toEqual(event.data);
  }

  function expectWhole(event: ClientEvent<"message.created">, subject: string): void {
    expect(event.data.message).toMatchObject({ subject, snippet: subject, from: { address: "carol@remote.test" } });
    expect(EventData["message.created"].parse(event.data)).toEqual(event.data);
  }

  const createdOn = (s: EventSocket, subject: string) =>
    s.events().find((e): e is ClientEvent<"message.created"> => e.type === "message.created" && (e as ClientEvent<"message.created">).data.message.id === subjects.get(subject));
  const subjects = new Map<string, string>();
  function createdWith(subject: string): CoreEvent {
    const event = created(subject);
    subjects.set(subject, (event as CoreEvent & { type: "message.created" }).data.message.id);
    return event;
  }

  it("over WebSocket, SSE and long-poll an events-only key hears that a message came, a mail.read key what it says", async () => {
    const { body: now } = await poll("?timeout=0");
    const sockets = { eventsOnly: await openSocket(eventsOnly), reader: await openSocket(reader) };
    const stream = (key: string, viaQuery = false) =>
      SELF.fetch(`${BASE}/api/v1/events/stream${viaQuery ? `?access_token=${key}` : ""}`, { headers: viaQuery ? {} : { authorization: `Bearer ${key}` } });
    const streams = { eventsOnly: await stream(eventsOnly), reader: await stream(reader), eventsOnlyByQuery: await stream(eventsOnly, true) };
    for (const res of Object.values(streams)) expect(res.status).toBe(200);
    const polls = { eventsOnly: poll(`?since=${now.cursor}&timeout=20`, eventsOnly), reader: poll(`?since=${now.cursor}&timeout=20`, reader) };
    await new Promise((r) => setTimeout(r, 300));

    const subject = `private subject ${crypto.randomUUID()}`;
    expect((await notify([createdWith(subject)])).status).toBe(200);

    await sockets.eventsOnly.until((s) => createdOn(s, subject) !== undefined);
    await sockets.reader.until((s) => createdOn(s, subject) !== undefined);
    expectNotice(createdOn(sockets.eventsOnly, subject)!, subject);
    expectWhole(createdOn(sockets.reader, subject)!, subject);

    const id = subjects.get(subject)!;
    for (const [who, res] of Object.entries(streams)) {
      const [event] = sseCreated(await sseReader(res)(id)).filter((e) => e.data.message.id === id);
      if (who === "reader") expectWhole(event!, subject);
      else expectNotice(event!, subject);
    }

    const [noticePage, wholePage] = [(await polls.eventsOnly).body, (await polls.reader).body];
    expectNotice(noticePage.events.find((e) => e.type === "message.created") as ClientEvent<"message.created">, subject);
    expectWhole(wholePage.events.find((e) => e.type === "message.created") as ClientEvent<"message.created">, subject);
    // The cursor is the same whatever the view: a key that gains no scope misses nothing.
    expect(noticePage.cursor).toBe(wholePage.cursor);
    sockets.eventsOnly.ws.close(1000);
    sockets.reader.ws.close(1000);
  });

  it("replays what was missed the same way: without content for an events-only key", async () => {
    const { body: now } = await poll("?timeout=0");
    const subject = `missed while away ${crypto.randomUUID()}`;
    await notify([createdWith(subject)]);
    const [notice, whole] = [await openSocket(eventsOnly, `?since=${now.cursor}`), await openSocket(reader, `?since=${now.cursor}`)];
    expectNotice(createdOn(notice, subject)!, subject);
    expectWhole(createdOn(whole, subject)!, subject);
    const replayed = (await poll(`?since=${now.cursor}&timeout=0`, eventsOnly)).body.events[0] as ClientEvent<"message.created">;
    expectNotice(replayed, subject);
    // A password session holds every scope.
    const session = (await poll(`?since=${now.cursor}&timeout=0`)).body.events[0] as ClientEvent<"message.created">;
    expectWhole(session, subject);
    notice.ws.close(1000);
    whole.ws.close(1000);
  });
});

describe("security events", () => {
  it("reach the user's password sessions only, never an API key, whatever its scopes", async () => {
    const make = async (scopes: Scope[]) =>
      ((await (await api("/api/v1/api-keys", { method: "POST", token: frankToken, json: { name: "security", scopes } })).json()) as ApiKeyCreated).key;
    const key = await make(["mail.read", "mail.manage", "mail.send", "events"]);
    const { body: now } = await poll("?timeout=0");
    const [sessionSocket, keySocket] = [await openSocket(frankToken), await openSocket(key)];
    const keyPoll = poll(`?since=${now.cursor}&timeout=3`, key);
    await new Promise((r) => setTimeout(r, 200));
    const target = `thief-${crypto.randomUUID()}@elsewhere.test`;
    const forwarding: CoreEvent = { userId: frankId, seq: ++seq, at: Date.now(), type: "security.forwarding", data: { added: [target], targets: [target], by: { kind: "apiKey", id: "0123456789abcdef" } } };
    expect((await notify([forwarding])).status).toBe(200);
    await sessionSocket.until((s) => s.events().some((e) => e.type === "security.forwarding"));
    // The key's long-poll is not woken by it, and its replay and socket never carry it.
    const polled = await keyPoll;
    expect(polled.body.events).toEqual([]);
    expect(polled.ms).toBeGreaterThanOrEqual(2500);
    expect((await poll(`?since=${now.cursor}&timeout=0`, key)).body.events.map((e) => e.type)).not.toContain("security.forwarding");
    const replay = await openSocket(key, `?since=${now.cursor}`);
    expect(JSON.stringify([...keySocket.received, ...replay.received])).not.toContain(target);
    expect((await poll(`?since=${now.cursor}&timeout=0`)).body.events.map((e) => e.type)).toContain("security.forwarding");
    for (const s of [sessionSocket, keySocket, replay]) s.ws.close(1000);
  });
});

describe("a token in the URL", () => {
  afterEach(() => vi.restoreAllMocks());

  async function expectRefusedInQuery(res: Response): Promise<void> {
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as { detail: string; errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(["query.access_token"]);
    expect(problem.detail).toContain("Authorization header");
  }

  it("is refused on the long-poll and on every other route, even beside a valid Authorization header", async () => {
    await expectRefusedInQuery(await SELF.fetch(`${BASE}/api/v1/events?timeout=0&access_token=${frankToken}`));
    await expectRefusedInQuery(await SELF.fetch(`${BASE}/api/v1/folders?access_token=${frankToken}`));
    await expectRefusedInQuery(await api(`/api/v1/folders?access_token=${frankToken}`, { token: frankToken }));
    await expectRefusedInQuery(await SELF.fetch(`${BASE}/api/v1/webhooks?access_token=${frankToken}`, { method: "POST", body: "{}" }));
    // The same routes with the header work.
    expect((await api("/api/v1/events?timeout=0", { token: frankToken })).status).toBe(200);
  });

  it("is taken on the WebSocket and the event stream only; the bearer subprotocol on the WebSocket only", async () => {
    const stream = await SELF.fetch(`${BASE}/api/v1/events/stream?access_token=${frankToken}`);
    expect(stream.status).toBe(200);
    await stream.body!.cancel();
    const protocolOnStream = await SELF.fetch(`${BASE}/api/v1/events/stream`, { headers: { "sec-websocket-protocol": `edgemail.v1, bearer.${frankToken}` } });
    expect(protocolOnStream.status).toBe(401);
    const protocolOnPoll = await SELF.fetch(`${BASE}/api/v1/events?timeout=0`, { headers: { "sec-websocket-protocol": `bearer.${frankToken}` } });
    expect(protocolOnPoll.status).toBe(401);
  });

  it("never reaches a log line of ours", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const ws = await SELF.fetch(`${BASE}/api/v1/events/ws?access_token=${frankToken}`, { headers: { upgrade: "websocket" } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    const stream = await SELF.fetch(`${BASE}/api/v1/events/stream?access_token=${frankToken}&since=0`);
    const refused = await SELF.fetch(`${BASE}/api/v1/folders?access_token=${frankToken}`);
    const wrongPlace = await SELF.fetch(`${BASE}/api/v1/events/ws?access_token=${frankToken}`);
    const unknown = await SELF.fetch(`${BASE}/api/v1/events/stream?access_token=${frankToken}x`);
    expect([stream.status, refused.status, wrongPlace.status, unknown.status]).toEqual([200, 400, 426, 401]);
    // An event published meanwhile goes through the hub's logging paths too.
    await notify([created("while a token sat in a URL")]);
    await new Promise((r) => setTimeout(r, 300));
    await stream.body!.cancel();
    ws.webSocket!.close(1000);
    expect(lines.filter((line) => line.includes(frankToken))).toEqual([]);
  });
});
