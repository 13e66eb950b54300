// What the app needs from the runtime, behind plain interfaces. cloudflare-platform.ts builds it from
// Cloudflare's bindings; another runtime (Deno, Node) would build it from its own storage and queue
// clients. The app names no runtime class: the user's hub is the Hub interface below (a Durable Object
// on Cloudflare, hub/mailbox-hub.ts), and what the queues carry is in queue-messages.ts.
import type { Context } from "hono";
import type { ApiKeyCreate, ApiKeyInfo, Folder, MessagePage, Settings, SettingsPatch, WebhookCreate, WebhookCreated, WebhookInfo } from "../../shared/api.ts";
import type { CoreEvent, EventsPage } from "../../shared/events.ts";
import type { SecurityEvent } from "../../shared/security.ts";
import type { ConfigResult } from "./config.ts";
import type { Actor, Authorization, CredentialCheck, HubExport, HubState, Moved, HeldBody, HeldCancel, HeldSend, HubRead, ListenerPrincipal, LoginOrigin, LoginRecord, Revocation, WebhookMaker } from "./hub-types.ts";
import type { BindingLimitKind } from "./rate-limits.ts";

export interface BlobRange {
  offset: number;
  length: number;
}

export interface BlobObject {
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface BlobBucket {
  get(key: string, range?: BlobRange): Promise<BlobObject | null>;
  getText(key: string): Promise<string | null>;
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** Removes an object; one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Streams `length` bytes into storage under their SHA-256 (stored once however often uploaded). */
  putContentAddressed(body: ReadableStream<Uint8Array>, length: number, contentType: string): Promise<{ sha256: string; size: number }>;
}

export interface Platform {
  config: ConfigResult;
  /** The bucket of `region`'s users' blobs (attachments, large held sends): its own where the region
   * has one (REGION_BUCKETS), so their bytes stay in its jurisdiction. */
  blobs(region: string): BlobBucket;
  fetch: typeof fetch;
  /** The user's hub (realtime events, inbox head, sessions and API keys, webhooks, held sends,
   * settings), in the Durable Object jurisdiction of their home region if it has one. */
  hub(userId: string, region: string): Hub;
  /** Counts one request against `key` under the limit of `kind` (a binding's; the per-user and per-key
   * limits are the hub's): true while within it. Rejects when the limiter cannot be asked. */
  rateLimit(kind: BindingLimitKind, key: string): Promise<boolean>;
  /** The address of the client that sent the request, as the runtime knows it (null: it cannot
   * tell). What limits and records logins: it must be what no client can choose. On Cloudflare that
   * is `cf-connecting-ip`, which Cloudflare sets and overwrites when a client sent its own. A runtime
   * not behind Cloudflare takes its connection's address (@hono/node-server:
   * `c.env.incoming.socket.remoteAddress`; Deno.serve: `info.remoteAddr`), never a request header
   * such as X-Forwarded-For or CF-Connecting-IP, which any client can write. */
  clientAddress(c: Context): string | null;
}

/** How the worker tells the hub who is connecting (fetch requests carry it as a header). */
export const PRINCIPAL_HEADER = "x-edgemail-principal";

/** Wrong current passwords a session may give (POST /account/password) before it is signed out. */
export const MAX_PASSWORD_FAILURES = 5;

/** The hub may answer at once; reached through the runtime (RPC), every answer is a promise. */
type Awaitable<T> = T | Promise<T>;

/** What the worker asks of a user's hub: the one place at the edge where that user's realtime state,
 * credentials and settings live. The worker has authenticated the caller before it asks. */
export interface Hub {
  // Mailbox events from the user's core, handed out to listeners and webhooks; and the inbox head.
  /** Resolves once every event is in storage and handed out. */
  publish(userId: string, region: string, events: CoreEvent[]): Awaitable<{ applied: number }>;
  /** The user changed their mailbox through the API; `seq` is the core's seq after the change (null
   * when unknown). */
  noteChange(userId: string, region: string, seq: number | null): Awaitable<void>;
  folders(userId: string, region: string): Awaitable<{ folders: Folder[] }>;
  /** The first inbox page, or null when the head does not hold `limit` rows (ask the core). */
  inboxPage(userId: string, region: string, limit: number): Awaitable<MessagePage | null>;

  // Listening: a WebSocket (/ws) or Server-Sent Events (/stream), who listens in PRINCIPAL_HEADER and
  // ?since=; or a long-poll.
  fetch(request: Request): Promise<Response>;
  poll(since: number | null, timeoutMs: number, principal: ListenerPrincipal): Awaitable<EventsPage>;

  // Sessions, logins, API keys and the security activity.
  recordLogin(userId: string, region: string, address: string, sessionId: string, expiresAt: number, origin: LoginOrigin): Awaitable<void>;
  recentLogins(): Awaitable<LoginRecord[]>;
  /** Checks a credential of this user and, when it holds and may read mail, answers `read` in the
   * same call: a request the hub serves costs one round trip to it, not two. Null: the credential
   * does not hold (revoked, expired, unknown, wrong); Moved: the user's hub is now another region's
   * (its credentials went along): ask that one. */
  authorize(check: CredentialCheck, read: HubRead | null): Awaitable<Authorization | Moved | null>;
  /** Signs out one session or (null) all of them; their open connections are closed. */
  revokeSessions(sessionId: string | null): Awaitable<number>;
  /** After MAX_PASSWORD_FAILURES the session is signed out: true when it was. */
  wrongCurrentPassword(sessionId: string): Awaitable<boolean>;
  /** Takes every credential away but the session `keep`: the other sessions, every API key and
   * every webhook. */
  revokeCredentials(why: "password.changed" | "signed-out-everywhere", by: Actor, keep: string | null): Awaitable<Revocation>;
  /** The user was removed: every connection is closed, everything the hub stored is erased. */
  erase(): Awaitable<Revocation>;
  // Moving the hub to the user's new home region (hub/hub-move.ts; routes/internal.ts drives it).
  exportForMove(): Awaitable<HubExport>;
  importMovedState(userId: string, region: string, state: HubState, digest: string): Awaitable<{ missing: number }>;
  finishMove(to: string, digest: string): Awaitable<"erased" | "changed">;
  securityEvents(): Awaitable<SecurityEvent[]>;
  createApiKey(userId: string, region: string, address: string, input: ApiKeyCreate, by: Actor): Awaitable<ApiKeyInfo & { key: string }>;
  listApiKeys(): Awaitable<ApiKeyInfo[]>;
  revokeApiKey(keyId: string, by: Actor): Awaitable<boolean>;

  // Webhooks, and the core's signed requests (each nonce is accepted once).
  createWebhook(userId: string, region: string, input: WebhookCreate, maker: WebhookMaker): Awaitable<WebhookCreated | { refused: string }>;
  /** Every webhook of the user (a password session), or only those API key `keyId` made. */
  listWebhooks(keyId: string | null): Awaitable<WebhookInfo[]>;
  /** Whether a queued delivery is still owed: its webhook was not removed since it was staged. */
  webhookWanted(id: string, url: string): Awaitable<boolean>;
  /** With `keyId`, only a webhook that key made. */
  removeWebhook(id: string, keyId: string | null): Awaitable<boolean>;
  acceptNonce(nonce: string, windowMs: number): Awaitable<boolean>;

  // Undo send: the hub keeps each held send, with its message, and hands it to the core at sendAt.
  /** Resolves once the send and its message are in the hub's storage. */
  holdSend(userId: string, region: string, messageId: string, sendAt: number, recipients: number, body: HeldBody): Awaitable<HeldSend>;
  /** Null when this user holds no send of that id. */
  cancelHeldSend(messageId: string): Awaitable<HeldCancel | null>;
  /** The outgoing queue's consumer takes a held send an older release put on the queue. */
  claimHeldSend(messageId: string): Awaitable<"send" | "cancelled">;

  // Settings.
  settings(): Awaitable<Settings>;
  updateSettings(patch: SettingsPatch): Awaitable<Settings>;
  /** Null when the list of trusted senders is full. */
  trustSender(address: string): Awaitable<Settings | null>;
}
