// Helpers for the realtime tests: signed core notifications, WebSocket clients of SELF, and
// waiting for messages on them.
import { SELF } from "cloudflare:test";
import { inject } from "vitest";
import type { MessageSummary } from "../../shared/api.ts";
import type { ClientEvent, CoreEvent } from "../../shared/events.ts";
import { signRequest } from "../../shared/signing.ts";
import { uuidv7 } from "../../shared/ids.ts";
import { BASE } from "./api.ts";

/** POSTs a batch to the edge exactly as a core does (signed with the shared secret). */
export async function notify(events: CoreEvent[], region = "local"): Promise<Response> {
  const body = JSON.stringify({ region, events });
  const headers = await signRequest(inject("signingSecret"), BASE, { method: "POST", pathAndQuery: "/internal/v1/events", body });
  return SELF.fetch(`${BASE}/internal/v1/events`, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
}

export function summary(folderId: string, subject: string, at = Date.now()): MessageSummary {
  const id = uuidv7(at);
  return {
    id,
    folderId,
    receivedAt: new Date(at).toISOString(),
    from: { name: "Carol", address: "carol@remote.test" },
    to: [],
    subject,
    snippet: subject,
    size: 100,
    read: false,
    starred: false,
    hasAttachments: false,
    keywords: [],
    threadId: id,
  };
}

export class EventSocket {
  readonly ws: WebSocket;
  readonly received: Array<ClientEvent | { type: string; cursor?: number }> = [];
  readonly protocol: string | null;
  #waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  constructor(ws: WebSocket, protocol: string | null) {
    this.ws = ws;
    this.protocol = protocol;
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.received.push(JSON.parse(e.data as string));
      for (const w of this.#waiters.splice(0)) w();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  events(): ClientEvent[] {
    return this.received.filter((m): m is ClientEvent => typeof (m as ClientEvent).cursor === "number" && m.type !== "ready");
  }

  /** Waits until `predicate` holds over what was received (or the socket closes), at most `ms`. */
  async until(predicate: (s: EventSocket) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (this.closed) throw new Error(`socket closed ${this.closed.code} ${this.closed.reason}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

/** Opens /api/v1/events/ws the way a browser does: the token rides in Sec-WebSocket-Protocol. */
export async function openSocket(token: string, query = ""): Promise<EventSocket> {
  const res = await SELF.fetch(`${BASE}/api/v1/events/ws${query}`, {
    headers: { upgrade: "websocket", "sec-websocket-protocol": `edgemail.v1, bearer.${token}` },
  });
  if (res.status !== 101 || !res.webSocket) throw new Error(`no upgrade: ${res.status} ${await res.text()}`);
  const socket = new EventSocket(res.webSocket, res.headers.get("sec-websocket-protocol"));
  await socket.until((s) => s.received.some((m) => m.type === "ready"));
  return socket;
}

interface Captured {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

let forwardedUpTo = -1;

/** Hands what the seeded core posted to the relay since the last call to the worker, as it was
 * signed; returns the worker's statuses. (A batch older than the signature window gets 401 and is
 * skipped; its user's hub fetches what it missed from the core when the next event arrives.) */
export async function forwardNotifications(): Promise<number[]> {
  const captured = (await (await fetch(`${inject("relayUrl")}/captured?after=${forwardedUpTo}`)).json()) as Captured[];
  const statuses: number[] = [];
  for (const c of captured) {
    forwardedUpTo = Math.max(forwardedUpTo, c.index);
    // At the address the core posted to (its EDGE_URL, the relay's): the signature names that origin.
    const res = await SELF.fetch(`${inject("relayUrl")}${c.path}`, { method: c.method, headers: c.headers, body: c.body });
    statuses.push(res.status);
    await res.body?.cancel();
  }
  return statuses;
}

/** Drops what the core posted so far, as a network losing those requests would. */
export async function loseNotifications(): Promise<number> {
  const captured = (await (await fetch(`${inject("relayUrl")}/captured?after=${forwardedUpTo}`)).json()) as Captured[];
  for (const c of captured) forwardedUpTo = Math.max(forwardedUpTo, c.index);
  return captured.length;
}

/** Sends a message into the seeded core over SMTP; resolves with the core's reply to DATA. */
export async function sendSmtp(mail: { from: string; to: string; subject: string; text: string; messageId?: string; inReplyTo?: string; references?: string }): Promise<{ response: string; at: number }> {
  const res = await fetch(`${inject("relayUrl")}/smtp`, { method: "POST", body: JSON.stringify(mail), headers: { "content-type": "application/json" } });
  if (!res.ok) throw new Error(`smtp via relay: ${await res.text()}`);
  return (await res.json()) as { response: string; at: number };
}

/** Forwards the core's notifications until `done()` holds (or `ms` pass). */
export async function pumpUntil(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the core's notification");
    await forwardNotifications();
    await new Promise((r) => setTimeout(r, 50));
  }
}
