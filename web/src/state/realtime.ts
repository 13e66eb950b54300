// Live changes: a WebSocket to the user's Durable Object (/events/ws, token as a subprotocol), or, where
// WebSockets are blocked (some proxies), long-polling /events. Events change the folder counts and the
// list in place; a `resync` (or a fresh connection without a cursor) loads both again.
import { signal } from "@preact/signals";
import type { ClientEvent, EventDataOf } from "../../../shared/events.ts";
import { api } from "../api/client.ts";
import { session } from "../api/session.ts";
import { applyCounts, findFolder, loadFolders } from "./folders.ts";
import { keywordsChanged, loadKeywords, sidebarLabels } from "./keywords.ts";
import { labels } from "../ui/format.ts";
import { reload, rows, source, updateRows, type Row } from "./list.ts";

export type Transport = "websocket" | "long-poll" | "offline";
export const transport = signal<Transport>("offline");
/** Listeners for other parts of the app (the reader updates the open message). */
const listeners = new Set<(e: ClientEvent) => void>();
export const onEvent = (f: (e: ClientEvent) => void) => (listeners.add(f), () => void listeners.delete(f));

let cursor: number | null = null;
let stopped = true;
let socket: WebSocket | null = null;
let pollAbort: AbortController | null = null;
let wsFailures = 0;

function inShownFolder(folderId: string): boolean {
  const s = source.value;
  return s?.kind === "folder" && findFolder(s.folder ?? "")?.id === folderId;
}

function apply(e: ClientEvent): void {
  cursor = e.cursor;
  switch (e.type) {
    case "message.created": {
      const { message } = e.data as EventDataOf<"message.created">;
      // A filter labelled it on arrival: the sidebar's label and its count.
      if ("keywords" in message && labels(message.keywords).length > 0) keywordsChanged();
      if (!("subject" in message) || !inShownFolder(message.folderId)) break;
      // The conversation's row moves to the top with its newest message.
      const old = rows.value.find((r) => r.threadId === message.threadId);
      const row: Row = { ...message, threadSize: (old?.threadSize ?? 0) + 1 };
      rows.value = [row, ...rows.value.filter((r) => r.threadId !== message.threadId && r.id !== message.id)];
      break;
    }
    case "message.updated": {
      const d = e.data as EventDataOf<"message.updated">;
      updateRows((r) => (r.id !== d.id ? r : inShownFolder(d.folderId) || source.value?.kind === "search" ? { ...r, read: d.read, starred: d.starred, folderId: d.folderId, threadId: d.threadId, keywords: d.keywords ?? r.keywords } : null));
      if (d.previousFolderId && inShownFolder(d.folderId) && !rows.value.some((r) => r.id === d.id)) void reload();
      // Relabelled, or read or moved while the user has labels (their unread counts).
      if (d.keywords !== undefined || sidebarLabels.value.length > 0) keywordsChanged();
      break;
    }
    case "message.deleted": {
      const d = e.data as EventDataOf<"message.deleted">;
      updateRows((r) => (r.id === d.id ? null : r));
      break;
    }
    case "folder.counts":
      applyCounts((e.data as EventDataOf<"folder.counts">).folders);
      break;
    case "resync":
      void resync();
      break;
  }
  for (const f of listeners) f(e);
}

async function resync(): Promise<void> {
  await Promise.all([loadFolders(), loadKeywords(), reload()]).catch(() => undefined);
}

function connectSocket(): void {
  const token = session.value?.token;
  if (!token || stopped) return;
  const url = new URL("/api/v1/events/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (cursor !== null) url.searchParams.set("since", String(cursor));
  let opened = false;
  const ws = new WebSocket(url, ["edgemail.v1", `bearer.${token}`]);
  socket = ws;
  let ping: ReturnType<typeof setInterval> | undefined;
  ws.onopen = () => {
    opened = true;
    wsFailures = 0;
    transport.value = "websocket";
    ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 30_000);
  };
  ws.onmessage = (m) => {
    const data = JSON.parse(String(m.data)) as ClientEvent | { type: "ready"; cursor: number } | { type: "pong" };
    if (data.type === "ready") {
      const fresh = cursor === null;
      cursor = (data as { cursor: number }).cursor;
      if (fresh) void resync();
    } else if ("cursor" in data) apply(data);
  };
  ws.onclose = (ev) => {
    clearInterval(ping);
    if (socket !== ws || stopped) return;
    socket = null;
    // 4001/4003: the session ended or was revoked; the next API call finds out and signs out.
    if (ev.code === 4001 || ev.code === 4003) {
      void api("/account").catch(() => undefined);
      return;
    }
    if (!opened) wsFailures++;
    transport.value = "offline";
    // A WebSocket that never opens twice in a row is blocked on this network: long-poll instead.
    if (wsFailures >= 2) void pollLoop();
    else setTimeout(connectSocket, opened ? 1000 : 3000);
  };
}

async function pollLoop(): Promise<void> {
  let failures = 0;
  while (!stopped && session.value) {
    pollAbort = new AbortController();
    try {
      const qs = new URLSearchParams({ timeout: cursor === null ? "0" : "25" });
      if (cursor !== null) qs.set("since", String(cursor));
      const fresh = cursor === null;
      const page = await api<{ events: ClientEvent[]; cursor: number }>(`/events?${qs}`, { signal: pollAbort.signal });
      transport.value = "long-poll";
      failures = 0;
      for (const e of page.events) apply(e);
      cursor = page.cursor;
      if (fresh) void resync();
    } catch (e) {
      if (stopped || (e as Error).name === "AbortError") return;
      transport.value = "offline";
      failures++;
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** failures)));
    }
  }
}

/** Starts listening; `forcePolling` (for networks known to block WebSockets) skips the WebSocket. */
export function startRealtime(forcePolling = localStorage.getItem("edgemail.transport") === "long-poll"): void {
  if (!stopped) return;
  stopped = false;
  cursor = null;
  if (forcePolling || typeof WebSocket === "undefined") void pollLoop();
  else connectSocket();
}

export function stopRealtime(): void {
  stopped = true;
  socket?.close(1000);
  socket = null;
  pollAbort?.abort();
  transport.value = "offline";
}

// Back online: connect at once instead of waiting for the backoff.
addEventListener("online", () => {
  if (!stopped && transport.value === "offline" && !socket) connectSocket();
});
