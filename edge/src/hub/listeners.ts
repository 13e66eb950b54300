// Everyone of one user who is listening for events, inside their Durable Object: WebSockets
// (hibernatable: their state lives in the socket's attachment, not in memory), Server-Sent Events
// streams and long-polls waiting for the next event. A listener joining with `since` first gets
// what it missed, or a `resync` when that is no longer retained. Each gets events as its principal may
// see them (event-view.ts): without mail.read, a new message's content is left out; security events
// reach password sessions only.
import type { ClientEvent, EventsPage } from "../../../shared/events.ts";
import type { ListenerPrincipal } from "../hub-types.ts";
import type { EventLog } from "./event-log.ts";
import { eventsFor, type EventAudience } from "./event-view.ts";

interface Waiter {
  since: number;
  principal: ListenerPrincipal;
  resolve: (page: EventsPage) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Stream {
  principal: ListenerPrincipal;
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

const encoder = new TextEncoder();
const HEARTBEAT_MS = 20_000;
export const SUBPROTOCOL = "edgemail.v1";

function resyncEvent(reason: "cursor-too-old" | "unknown-cursor", cursor: number): ClientEvent<"resync"> {
  return { cursor, type: "resync", at: new Date().toISOString(), data: { reason } };
}

function sseFrame(event: ClientEvent): string {
  return `id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function audienceOf(principal: ListenerPrincipal | null): EventAudience {
  return { readsMail: principal?.readsMail === true, session: principal?.kind === "session" };
}

/** The frames of a batch, serialised at most once for each view of it. */
class Frames {
  readonly #events: ClientEvent[];
  readonly #cache = new Map<string, string[]>();

  constructor(events: ClientEvent[]) {
    this.#events = events;
  }

  json(audience: EventAudience): string[] {
    return this.#view(`json:${audience.readsMail}:${audience.session}`, () => eventsFor(this.#events, audience).map((e) => JSON.stringify(e)));
  }

  sse(audience: EventAudience): string[] {
    return this.#view(`sse:${audience.readsMail}:${audience.session}`, () => eventsFor(this.#events, audience).map(sseFrame));
  }

  #view(key: string, make: () => string[]): string[] {
    let frames = this.#cache.get(key);
    if (!frames) this.#cache.set(key, (frames = make()));
    return frames;
  }
}

export class Listeners {
  readonly #ctx: DurableObjectState;
  readonly #log: EventLog;
  readonly #waiters = new Set<Waiter>();
  readonly #streams = new Set<Stream>();
  #heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: DurableObjectState, log: EventLog) {
    this.#ctx = ctx;
    this.#log = log;
  }

  /** What a listener joining after `since` must be sent first (null: start from now). */
  #catchUp(since: number | null, principal: ListenerPrincipal): ClientEvent[] {
    if (since === null) return [];
    const replay = this.#log.since(since);
    return replay.resync ? [resyncEvent(replay.resync, this.#log.latest())] : eventsFor(replay.events, audienceOf(principal));
  }

  acceptSocket(request: Request, principal: ListenerPrincipal, since: number | null): Response {
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
    this.#ctx.acceptWebSocket(server, [principal.id]);
    server.serializeAttachment(principal);
    // Sent before any later event can be broadcast: nothing runs between these lines.
    for (const event of this.#catchUp(since, principal)) server.send(JSON.stringify(event));
    server.send(JSON.stringify({ type: "ready", cursor: this.#log.latest() }));
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const headers = offered.includes(SUBPROTOCOL) ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  openStream(principal: ListenerPrincipal, since: number | null): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const stream: Stream = { principal, writer: writable.getWriter() };
    this.#streams.add(stream);
    void stream.writer.write(encoder.encode(`retry: 3000\n: cursor ${this.#log.latest()}\n\n`)).catch(() => this.#drop(stream));
    for (const event of this.#catchUp(since, principal)) this.#write(stream, encoder.encode(sseFrame(event)));
    this.#heartbeat ??= setInterval(() => {
      for (const s of this.#streams) this.#write(s, encoder.encode(`: keep-alive\n\n`));
      if (this.#streams.size === 0 && this.#heartbeat) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = null;
      }
    }, HEARTBEAT_MS);
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  poll(since: number | null, timeoutMs: number, principal: ListenerPrincipal): Promise<EventsPage> {
    const latest = this.#log.latest();
    const first = this.#catchUp(since, principal);
    // Nothing to see up to `latest` (none happened, or none this listener may see): go on from there.
    if (first.length > 0 || timeoutMs <= 0) return Promise.resolve({ events: first, cursor: first.at(-1)?.cursor ?? latest });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        since: since ?? latest,
        principal,
        resolve,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve({ events: [], cursor: waiter.since });
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  broadcast(events: ClientEvent[]): void {
    if (events.length === 0) return;
    const now = Date.now();
    const frames = new Frames(events);
    for (const ws of this.#ctx.getWebSockets()) {
      const principal = ws.deserializeAttachment() as ListenerPrincipal | null;
      if (principal?.expiresAt && principal.expiresAt <= now) {
        ws.close(4001, "credential expired");
        continue;
      }
      try {
        for (const frame of frames.json(audienceOf(principal))) ws.send(frame);
      } catch {
        // A socket closing right now; its close handler cleans up.
      }
    }
    for (const stream of this.#streams) {
      if (stream.principal.expiresAt && stream.principal.expiresAt <= now) {
        this.#drop(stream);
        continue;
      }
      for (const frame of frames.sse(audienceOf(stream.principal))) this.#write(stream, encoder.encode(frame));
    }
    for (const waiter of this.#waiters) {
      // Events this listener may not see do not end its wait.
      const fresh = eventsFor(events.filter((e) => e.cursor > waiter.since), audienceOf(waiter.principal));
      if (fresh.length === 0) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve({ events: fresh, cursor: fresh.at(-1)!.cursor });
    }
  }

  /** Tells every listener to reload: events were lost before they reached this object. */
  resyncAll(reason: "cursor-too-old", cursor: number): void {
    this.broadcast([resyncEvent(reason, cursor)]);
  }

  onMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    // Clients may only ping (answered by the auto-response); anything else gets a short answer.
    if (typeof message === "string" && message.length < 200) {
      ws.send(JSON.stringify({ type: "error", detail: 'send {"type":"ping"} to keep the connection alive; events flow one way' }));
    }
  }

  /** Closes the listeners of one credential, or (null) of every password session — not API keys. */
  disconnect(principalId: string | null, code: number, reason: string): void {
    const matches = (p: ListenerPrincipal | null) => !!p && (principalId === null ? p.kind === "session" : p.id === principalId);
    for (const ws of this.#ctx.getWebSockets(principalId ?? undefined)) if (matches(ws.deserializeAttachment() as ListenerPrincipal | null)) ws.close(code, reason);
    for (const stream of this.#streams) if (matches(stream.principal)) this.#drop(stream);
    for (const waiter of this.#waiters) {
      if (!matches(waiter.principal)) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve({ events: [], cursor: waiter.since });
    }
  }

  #write(stream: Stream, bytes: Uint8Array): void {
    stream.writer.write(bytes).catch(() => this.#drop(stream));
  }

  #drop(stream: Stream): void {
    this.#streams.delete(stream);
    stream.writer.close().catch(() => undefined);
  }
}
