// The per-user Durable Object: the one place at the edge where a user's realtime state lives.
//  - Mailbox events from the user's core (publish) get a cursor in the event log and reach every
//    open WebSocket (hibernation API: idle sockets cost nothing), Server-Sent Events stream and
//    waiting long-poll of the user; a missed core seq is fetched from the core, never skipped.
//  - The hot inbox head (folders with counters, first inbox page) is kept current from the same
//    events and answers those reads without a round trip to the core.
//  - The user's sessions and API keys, logins, webhooks and recent security activity are its storage
//    too; a password change takes every other credential away, a removed user's storage is erased.
//  - So are the sends held for "undo send" (each with its message, until the alarm hands it to the
//    core) and the user's settings.
// Only the worker talks to it (RPC and fetch), through the Hub interface of platform.ts, which it
// implements; the worker has authenticated the caller.
import { DurableObject } from "cloudflare:workers";
import type { ApiKeyCreate, ApiKeyInfo, Folder, MessagePage, Settings, SettingsPatch, WebhookCreate, WebhookCreated, WebhookCreator, WebhookInfo } from "../../../shared/api.ts";
import type { ClientEvent, CoreEvent, EventsPage } from "../../../shared/events.ts";
import { coreApi, type CoreHead } from "../../../shared/internal-api.ts";
import type { SecurityEvent } from "../../../shared/security.ts";
import { CoreClient } from "../core-client.ts";
import { cloudflarePlatform } from "../cloudflare-platform.ts";
import type { Env } from "../env.ts";
import type { Actor, Authorization, CredentialCheck, HubExport, HubState, Moved, HeldBody, HeldCancel, HeldSend, HubAnswer, HubRead, KeyGrant, ListenerPrincipal, LoginOrigin, LoginRecord, Revocation, WebhookMaker } from "../hub-types.ts";
import { log } from "../log.ts";
import { MAX_PASSWORD_FAILURES, PRINCIPAL_HEADER, type Hub } from "../platform.ts";
import { Credentials } from "./credentials.ts";
import { EventLog } from "./event-log.ts";
import { deliverDueSends } from "./held-delivery.ts";
import { deliverDueWebhooks } from "./webhook-run.ts";
import { webhookOptions } from "../webhooks/consumer-options.ts";
import { HeldSends } from "./held-sends.ts";
import { HEAD_KEEP, InboxHead } from "./inbox-head.ts";
import { Logins } from "./logins.ts";
import { Listeners } from "./listeners.ts";
import { SecurityLog } from "./security-log.ts";
import { UserSettings } from "./user-settings.ts";
import { MAX_WEBHOOKS, Webhooks, type MakerAccess, type StoredWebhook } from "./webhooks.ts";
import { newWebhookSecret } from "../webhooks/signature.ts";
import { readsMail } from "../scopes.ts";
import { RequestLimits } from "./request-limits.ts";
import { digestOf, eraseRows, missingRows, owedSends, readState, sameState, writeState } from "./hub-move.ts";

export class MailboxHub extends DurableObject<Env> implements Hub {
  readonly #sql: SqlStorage;
  // Made again over empty tables when the storage is erased (#open).
  #log!: EventLog;
  #credentials!: Credentials;
  /** In memory only: see request-limits.ts. */
  readonly #requestLimits = new RequestLimits();
  #logins!: Logins;
  #listeners!: Listeners;
  #webhooks!: Webhooks;
  #security!: SecurityLog;
  #heldSends!: HeldSends;
  #settings!: UserSettings;
  #head: InboxHead | null = null;
  #headLoad: Promise<InboxHead | CoreHead> | null = null;
  /** The seq of the user's own latest change through the API: no head older than it is served. */
  #minSeq = 0;
  /** Publishes run one after another: a backfill from the core must not interleave with the next batch. */
  #publishing: Promise<unknown> = Promise.resolve();
  readonly #metaCache = new Map<string, string | null>();
  /** The alarm is set by one #wakeAt at a time. */
  #alarmSetting: Promise<unknown> = Promise.resolve();
  /** Whether webhook deliveries may be waiting in storage (unknown after a start: yes). */
  #webhooksStaged = true;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#open();
    // Answered by the runtime without waking the object: keep-alives cost nothing.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** Creates the tables that are missing and the parts that keep them. */
  #open(): void {
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.#metaCache.clear();
    this.#webhooksStaged = true;
    this.#log = new EventLog(this.#sql);
    this.#credentials = new Credentials(this.#sql);
    this.#logins = new Logins(this.#sql);
    this.#listeners = new Listeners(this.ctx, this.#log);
    this.#webhooks = new Webhooks(this.#sql);
    this.#security = new SecurityLog(this.#sql);
    this.#heldSends = new HeldSends(this.#sql);
    this.#settings = new UserSettings(this.#sql);
  }

  // ── identity ──

  // This object is the only writer of its storage, so what it read or wrote stays true: every event
  // batch asks for the user's id, region and seq, and a query each was a tenth of the hub's CPU.
  #meta(key: string): string | null {
    if (this.#metaCache.has(key)) return this.#metaCache.get(key)!;
    const value = this.#sql.exec<{ value: string }>(`SELECT value FROM hub_meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
    this.#metaCache.set(key, value);
    return value;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec(`INSERT INTO hub_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
    this.#metaCache.set(key, value);
  }

  /** Who this object is for: its user's id, home region (where its core is) and address (for API
   * key requests, which carry no token claims). Given by every caller that knows them. */
  #remember(userId: string, region: string, address?: string): void {
    if (this.#meta("user_id") !== userId) this.#setMeta("user_id", userId);
    if (this.#meta("region") !== region) this.#setMeta("region", region);
    if (address !== undefined && this.#meta("address") !== address) this.#setMeta("address", address);
  }

  #core(): { client: CoreClient; region: string; userId: string } {
    const platform = cloudflarePlatform(this.env);
    if (!platform.config.ok) throw new Error(`edge misconfigured: ${platform.config.problems.join("; ")}`);
    const userId = this.#meta("user_id");
    const region = this.#meta("region");
    if (!userId || !region) throw new Error("hub: user unknown");
    return { client: new CoreClient(platform.config.config, platform.fetch, `hub-${crypto.randomUUID()}`), region, userId };
  }

  #coreSeq(): number | null {
    const v = this.#meta("core_seq");
    return v === null ? null : Number(v);
  }

  // ── events from the core ──

  /** A core's batch for this user. Resolves once every event is in storage and handed out. */
  publish(userId: string, region: string, events: CoreEvent[]): Promise<{ applied: number }> {
    // A late batch of the old core after a move: the user's listeners are at the new hub.
    if (this.#meta("moved_to") !== null) return Promise.resolve({ applied: 0 });
    this.#remember(userId, region);
    const run = this.#publishing.then(() => this.#apply(events));
    this.#publishing = run.catch(() => undefined);
    return run;
  }

  async #apply(batch: CoreEvent[]): Promise<{ applied: number }> {
    const events = [...batch].sort((a, b) => a.seq - b.seq);
    let applied = 0;
    // Consecutive events go out together: a long-poll answered by the first also gets the rest.
    let run: CoreEvent[] = [];
    const flush = () => {
      if (run.length > 0) this.#deliver(run);
      applied += run.length;
      run = [];
    };
    let last = this.#coreSeq();
    for (const event of events) {
      if (last !== null && event.seq <= last) continue;
      if (last !== null && event.seq > last + 1) {
        flush();
        applied += await this.#backfill(last, event.seq);
        last = this.#coreSeq();
        if (last !== null && last >= event.seq) continue;
      }
      run.push(event);
      last = event.seq;
    }
    flush();
    await this.#flushWebhooks();
    return { applied };
  }

  /** Fetches the events between `last` and `upTo` that never reached us (a lost notification). */
  async #backfill(last: number, upTo: number): Promise<number> {
    const { client, region, userId } = this.#core();
    let since = last;
    let applied = 0;
    while (since < upTo - 1) {
      const page = await client.read(region, coreApi.events, { params: { userId }, query: { since, limit: 1000 } });
      if (page.gap) {
        // The core no longer has them: clients cannot be told what changed, only to reload.
        this.#head = null;
        this.#setMeta("core_seq", String(upTo - 1));
        this.#listeners.resyncAll("cursor-too-old", this.#log.latest());
        return applied;
      }
      const missing = page.events.filter((e) => e.seq > since && e.seq < upTo);
      if (missing.length === 0) break;
      this.#deliver(missing);
      applied += missing.length;
      since = missing.at(-1)!.seq;
    }
    return applied;
  }

  #deliver(events: CoreEvent[]): void {
    const out: ClientEvent[] = [];
    for (const event of events) {
      out.push(this.#log.append(event.type, event.data as never, event.at));
      if (event.type === "security.forwarding") this.#security.record("forwarding.added", event.data, event.at);
      if (event.type === "security.auth-failures") this.#security.record("sign-in.blocked", event.data, event.at);
      if (this.#head && !this.#head.apply(event)) this.#head = null;
    }
    // Nothing between the appends and here awaits: the seq is stored with them.
    if (events.length > 0) this.#setMeta("core_seq", String(events.at(-1)!.seq));
    if (this.#log.latest() % 100 < out.length) this.#log.prune();
    // In the same storage transaction as the log append (no await since): a delivery is owed exactly
    // when its event exists.
    const userId = this.#meta("user_id");
    if (userId && this.#webhooks.stage(userId, out, (maker) => this.#makerAccess(maker)) > 0) this.#webhooksStaged = true;
    this.#listeners.broadcast(out);
  }

  /** Staged webhook deliveries are made by the alarm (webhook-run.ts), at once: setting it is a
   * write of this object's storage, no call out, so the core's push is not held up by endpoints. */
  async #flushWebhooks(): Promise<void> {
    if (!this.#webhooksStaged) return;
    this.#webhooksStaged = false;
    const next = this.#webhooks.nextDue();
    if (next !== null) await this.#wakeAt(next);
  }

  /** The one alarm serves the webhook retry and the held sends: it goes off at the earliest time asked.
   * (Inside alarm(), getAlarm() is null until something sets it again.) */
  #wakeAt(when: number): Promise<void> {
    // One after another: two that both read no alarm would each set theirs, the later time last.
    const run = this.#alarmSetting.then(async () => {
      // A time passed (a row owed since 0) means now.
      const at = Math.max(when, Date.now());
      const current = await this.ctx.storage.getAlarm();
      if (current === null || at < current) await this.ctx.storage.setAlarm(at);
    });
    this.#alarmSetting = run.catch(() => undefined);
    return run;
  }

  override async alarm(): Promise<void> {
    // Side by side: a held send is not late for endpoints that are slow to answer.
    await Promise.all([this.#sendDue(), this.#deliverWebhooks()]);
  }

  /** Makes the webhook deliveries that are due and wakes again when the next one is. */
  async #deliverWebhooks(): Promise<void> {
    const platform = cloudflarePlatform(this.env);
    if (this.#webhooks.nextDue() === null) return;
    if (platform.config.ok) {
      await deliverDueWebhooks(
        this.#webhooks,
        webhookOptions(platform.config.config, platform.fetch, {
          stillWanted: async (d) => this.webhookWanted(d.webhookId, d.url),
          onGone: async (d, reason) => {
            log.warn("webhook: endpoint gone; removing it", { webhookId: d.webhookId, userId: d.userId, reason });
            this.removeWebhook(d.webhookId, null);
          },
        }),
      );
    } else {
      log.warn("hub: webhook deliveries wait for a valid edge config", { problems: platform.config.problems });
    }
    const next = this.#webhooks.nextDue();
    if (next !== null) await this.#wakeAt(platform.config.ok ? next : Math.max(next, Date.now() + 60_000));
  }

  /** Events born at the edge (security.login) go through the same log and fan-out. */
  #emit(event: Omit<ClientEvent, "cursor" | "at">): void {
    this.#listeners.broadcast([this.#log.append(event.type, event.data as never)]);
  }

  // ── the hot inbox head ──

  /** The user changed their mailbox through the API; `seq` is the core's seq after the change
   * (null when unknown: then the head is simply dropped). Unless the core's push has brought them
   * already, the change's events are fetched now: the client that made the change hears back only
   * after its own listeners, the security list (a new forward) and the webhooks have them. Should the
   * core not answer, the push brings them later. */
  async noteChange(userId: string, region: string, seq: number | null): Promise<void> {
    this.#remember(userId, region);
    if (seq === null) {
      this.#head = null;
      return;
    }
    this.#minSeq = Math.max(this.#minSeq, seq);
    const run = this.#publishing.then(async () => {
      const last = this.#coreSeq();
      // A hub that never had an event starts from the core's head, not from the past.
      if (last === null || last >= seq) return;
      await this.#backfill(last, seq + 1);
      await this.#flushWebhooks();
    });
    this.#publishing = run.catch(() => undefined);
    try {
      await run;
    } catch (err) {
      log.warn("hub: could not fetch the events of the user's change; the core's push brings them", { err });
    }
  }

  async #currentHead(): Promise<InboxHead | CoreHead> {
    if (this.#head && this.#head.seq >= this.#minSeq) return this.#head;
    this.#headLoad ??= (async () => {
      try {
        const { client, region, userId } = this.#core();
        const snapshot = await client.read(region, coreApi.head, { params: { userId }, query: { limit: HEAD_KEEP } });
        const known = this.#coreSeq();
        // Install it only if no event newer than the snapshot has been handed out meanwhile (the
        // head could not replay it); otherwise it still answers this read, as fresh as the core.
        if (known === null || known <= snapshot.seq) {
          if (known === null) this.#setMeta("core_seq", String(snapshot.seq));
          this.#head = new InboxHead(snapshot);
          return this.#head;
        }
        return snapshot;
      } finally {
        this.#headLoad = null;
      }
    })();
    return this.#headLoad;
  }

  async folders(userId: string, region: string): Promise<{ folders: Folder[] }> {
    this.#remember(userId, region);
    const head = await this.#currentHead();
    return { folders: head.folders };
  }

  /** The first inbox page, or null when the head does not hold `limit` rows (ask the core). */
  async inboxPage(userId: string, region: string, limit: number): Promise<MessagePage | null> {
    this.#remember(userId, region);
    const head = await this.#currentHead();
    return head instanceof InboxHead ? head.page(limit) : new InboxHead(head).page(limit);
  }

  // ── listening: WebSocket and Server-Sent Events (fetch), long-poll (RPC) ──

  override async fetch(request: Request): Promise<Response> {
    const principal = JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? "null") as ListenerPrincipal | null;
    if (!principal) return new Response("hub: no principal", { status: 400 });
    const url = new URL(request.url);
    const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
    if (url.pathname === "/ws") return this.#listeners.acceptSocket(request, principal, since);
    if (url.pathname === "/stream") return this.#listeners.openStream(principal, since);
    return new Response("hub: no such path", { status: 404 });
  }

  poll(since: number | null, timeoutMs: number, principal: ListenerPrincipal): Promise<EventsPage> {
    return this.#listeners.poll(since, timeoutMs, principal);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.#listeners.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // 1005 means "no code given" and must not be sent back.
    ws.close(code === 1005 || code < 1000 ? 1000 : code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    ws.close(1011, "error");
  }

  // ── sessions, logins, API keys ──

  recordLogin(userId: string, region: string, address: string, sessionId: string, expiresAt: number, origin: LoginOrigin): void {
    this.#remember(userId, region, address);
    this.#credentials.addSession(sessionId, expiresAt);
    const login = this.#logins.record(sessionId, origin);
    if (login.newLocation) {
      this.#emit({ type: "security.login", data: login });
      this.#security.record("sign-in.new-location", { ip: origin.ip, country: origin.country, asn: origin.asn, network: origin.network, userAgent: origin.userAgent });
    }
  }

  recentLogins(): LoginRecord[] {
    return this.#logins.recent();
  }

  async authorize(check: CredentialCheck, read: HubRead | null): Promise<Authorization | Moved | null> {
    const movedTo = this.#meta("moved_to");
    if (movedTo !== null) return { movedTo };
    let key: KeyGrant | null = null;
    if (check.kind === "session") {
      if (!this.#credentials.sessionValid(check.sessionId)) return null;
      this.#remember(check.userId, check.region);
    } else {
      const ok = await this.#credentials.checkKey(check.keyId, check.key);
      const region = this.#meta("region");
      const address = this.#meta("address");
      if (!ok || !region || !address) return null;
      key = { ...ok, region, address };
    }
    const limited = this.#requestLimits.take(check.kind === "apiKey" ? check.keyId : null);
    // Reading the head is reading mail: a key without mail.read is refused by the worker, and gets nothing here.
    const answer = read && !limited && (key === null || readsMail(key.scopes)) ? await this.#answer(read) : null;
    return { key, answer, limited };
  }

  /** A read asked along with a credential check; a failure leaves the request to the core. */
  async #answer(read: HubRead): Promise<HubAnswer> {
    try {
      const head = await this.#currentHead();
      if (read.kind === "folders") return { kind: "folders", folders: head.folders };
      return { kind: "inboxPage", limit: read.limit, page: (head instanceof InboxHead ? head : new InboxHead(head)).page(read.limit) };
    } catch (err) {
      log.warn("hub: head read failed; the core answers", { err });
      return { kind: "failed" };
    }
  }

  /** Signs out one session or (null) all of them; their open connections are closed. */
  revokeSessions(sessionId: string | null): number {
    const n = this.#credentials.revokeSessions(sessionId);
    this.#listeners.disconnect(sessionId, 4003, "signed out");
    if (sessionId === null) this.#security.record("signed-out-everywhere", { sessions: n, apiKeysRevoked: 0, webhooksRemoved: 0, by: "user" });
    return n;
  }

  /** Revokes every session but `keep`, every API key and every webhook; closes their connections. */
  #revokeAll(keep: string | null, reason: string): Revocation {
    const sessions = this.#credentials.revokeSessionsExcept(keep);
    const keys = this.#credentials.revokeAllKeys();
    const revoked: Revocation = { sessions: sessions.length, apiKeysRevoked: keys.length, webhooksRemoved: this.#webhooks.removeAll() };
    for (const id of [...sessions, ...keys]) this.#listeners.disconnect(id, 4003, reason);
    return revoked;
  }

  /** A session gave a wrong current password to change it: after MAX_PASSWORD_FAILURES it is signed
   * out, so a stolen token cannot be used to guess the password. True when it was. */
  wrongCurrentPassword(sessionId: string): boolean {
    if (this.#credentials.countPasswordFailure(sessionId) < MAX_PASSWORD_FAILURES) return false;
    this.revokeSessions(sessionId);
    return true;
  }

  /** Takes every credential away but the session `keep`: the other sessions, every API key and every
   * webhook, and closes their open connections (4003), as Google does when a password changes. */
  revokeCredentials(why: "password.changed" | "signed-out-everywhere", by: Actor, keep: string | null): Revocation {
    const revoked = this.#revokeAll(keep, why === "password.changed" ? "password changed" : "signed out");
    this.#security.record(why, { ...revoked, by });
    return revoked;
  }

  /** The user was removed: every connection is closed and everything this object stored (event log,
   * sessions, keys, webhooks, sign-ins, security activity, held sends, settings) is erased. */
  async erase(): Promise<Revocation> {
    const revoked = this.#revokeAll(null, "account removed");
    // Sockets of credentials that were no longer live (an expired session) go too.
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(4003, "account removed");
      } catch {
        // Closed already.
      }
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#head = null;
    this.#minSeq = 0;
    this.#open();
    return revoked;
  }

  securityEvents(): SecurityEvent[] {
    return this.#security.recent();
  }

  async createApiKey(userId: string, region: string, address: string, input: ApiKeyCreate, by: Actor): Promise<ApiKeyInfo & { key: string }> {
    this.#remember(userId, region, address);
    const created = await this.#credentials.createKey(userId, region, input);
    this.#security.record("api-key.created", { id: created.id, name: created.name, scopes: created.scopes, by });
    return created;
  }

  listApiKeys(): ApiKeyInfo[] {
    return this.#credentials.listKeys();
  }

  /** Revokes a key: its open connections are closed and its webhooks (with their staged deliveries) removed. */
  revokeApiKey(keyId: string, by: Actor): boolean {
    const name = this.#credentials.listKeys().find((k) => k.id === keyId)?.name;
    if (name === undefined || !this.#credentials.revokeKey(keyId)) return false;
    this.#listeners.disconnect(keyId, 4003, "API key revoked");
    this.#webhooks.removeMadeBy(keyId);
    this.#security.record("api-key.revoked", { id: keyId, name, by });
    return true;
  }

  // ── webhooks ──

  /** What the webhooks of `maker` may be sent now (see Webhooks.stage). */
  #makerAccess(maker: WebhookMaker): MakerAccess {
    if (maker.kind === "user") return "content";
    // Made before makers were recorded: whoever it was may not have been allowed to read mail.
    if (maker.kind === "unknown") return "notice";
    const scopes = this.#credentials.keyScopes(maker.id);
    return scopes === null ? "gone" : readsMail(scopes) ? "content" : "notice";
  }

  /** Removes the webhooks of expired keys (revoked keys take theirs along at once). */
  #dropOrphanedWebhooks(): void {
    for (const hook of this.#webhooks.list()) if (this.#makerAccess(hook.maker) === "gone") this.#webhooks.remove(hook.id);
  }

  #webhookInfo(hook: StoredWebhook, keyNames: Map<string, string>): WebhookInfo {
    const { maker, ...rest } = hook;
    const createdBy: WebhookCreator = maker.kind === "apiKey" ? { kind: "apiKey", id: maker.id, name: keyNames.get(maker.id) ?? "" } : maker;
    return { ...rest, createdBy, includesContent: this.#makerAccess(maker) === "content" };
  }

  #keyNames(): Map<string, string> {
    return new Map(this.#credentials.listKeys().map((k) => [k.id, k.name]));
  }

  createWebhook(userId: string, region: string, input: WebhookCreate, maker: WebhookMaker): WebhookCreated | { refused: string } {
    this.#remember(userId, region);
    this.#dropOrphanedWebhooks();
    if (this.#webhooks.count() >= MAX_WEBHOOKS) return { refused: `at most ${MAX_WEBHOOKS} webhooks; delete one first` };
    const { secret, ...hook } = this.#webhooks.create(input.url, [...new Set(input.events)], newWebhookSecret(), maker);
    return { ...this.#webhookInfo(hook, this.#keyNames()), secret };
  }

  /** Every webhook of the user (a password session), or only those API key `keyId` made. */
  listWebhooks(keyId: string | null): WebhookInfo[] {
    this.#dropOrphanedWebhooks();
    const names = this.#keyNames();
    return this.#webhooks.list(keyId).map((hook) => this.#webhookInfo(hook, names));
  }

  /** Whether a queued delivery is still owed: its webhook was not removed (by its owner, a revoked
   * key, a password change) since the delivery was staged. */
  webhookWanted(id: string, url: string): boolean {
    this.#dropOrphanedWebhooks();
    return this.#webhooks.has(id, url);
  }

  /** Removes a webhook; with `keyId`, only one that key made (another's is "not found"). */
  removeWebhook(id: string, keyId: string | null): boolean {
    return this.#webhooks.remove(id, keyId);
  }

  acceptNonce(nonce: string, windowMs: number): boolean {
    return this.#credentials.acceptNonce(nonce, windowMs);
  }

  // ── undo send ──

  /** Holds a send until `sendAt`, with its message, and sets the alarm that sends it; a retried request
   * gets the record (and the message) the first one stored. Resolves once both are in storage. */
  async holdSend(userId: string, region: string, messageId: string, sendAt: number, recipients: number, body: HeldBody): Promise<HeldSend> {
    this.#remember(userId, region);
    const held = this.#heldSends.hold(messageId, sendAt, recipients, region, body);
    const next = this.#heldSends.nextDue();
    if (next !== null) await this.#wakeAt(next);
    return held;
  }

  /** The user cancels a held send: "cancelled" (also when it was already), "sent" when the alarm took
   * it first, null when this user holds no send of that id. */
  async cancelHeldSend(messageId: string): Promise<HeldCancel | null> {
    const cancel = this.#heldSends.cancel(messageId);
    if (cancel === null) return null;
    if (cancel.bodyKey !== null) {
      const key = cancel.bodyKey;
      // Nothing refers to it any more: left behind, it is only an unreferenced object.
      // holdSend remembered the region of the user whose bucket holds it.
      await cloudflarePlatform(this.env).blobs(this.#meta("region")!).delete(key).catch((err) => log.warn("hub: a cancelled send's body could not be removed", { key, err }));
    }
    return { state: cancel.state, release: cancel.release };
  }

  /** Hands the held sends that are due to the core and wakes again when the next one is. */
  async #sendDue(): Promise<void> {
    const userId = this.#meta("user_id");
    const region = this.#meta("region");
    const platform = cloudflarePlatform(this.env);
    if (this.#heldSends.nextDue() === null) return;
    if (userId && region && platform.config.ok) {
      const core = new CoreClient(platform.config.config, platform.fetch, `hub-${crypto.randomUUID()}`);
      await deliverDueSends(this.#heldSends, { core, blobs: platform.blobs(region), userId });
    } else {
      log.warn("hub: held sends wait for a valid edge config", { problems: platform.config.ok ? [] : platform.config.problems });
    }
    const next = this.#heldSends.nextDue();
    if (next !== null) await this.#wakeAt(userId && platform.config.ok ? next : Math.max(next, Date.now() + 60_000));
  }

  /** The outgoing queue's consumer takes a held send an older release put on the queue. */
  claimHeldSend(messageId: string): "send" | "cancelled" {
    return this.#heldSends.claim(messageId);
  }

  // ── settings ──

  settings(): Settings {
    return this.#settings.get();
  }

  updateSettings(patch: SettingsPatch): Settings {
    return this.#settings.update(patch);
  }

  /** Null when the list of trusted senders is full. */
  trustSender(address: string): Settings | null {
    return this.#settings.trustSender(address);
  }

  // ── moving to another region (hub-move.ts) ──

  /** The user's durable state for their hub in region `to`; refused while a held send is owed to the
   * core, and answered with the tombstone once this hub has moved. */
  async exportForMove(): Promise<HubExport> {
    const movedTo = this.#meta("moved_to");
    if (movedTo !== null) return { movedTo };
    if (this.#meta("user_id") === null) return { empty: true };
    const pending = owedSends(this.#sql);
    if (pending > 0) return { pendingSends: pending };
    const state = readState(this.#sql, (key) => this.#meta(key));
    return { state, digest: await digestOf(state) };
  }

  /** Takes the state of the user's old hub; returns how many of its rows this hub does not hold
   * (0: the copy is complete). A state already imported (same digest) is not written again. */
  async importMovedState(userId: string, region: string, state: HubState, digest: string): Promise<{ missing: number }> {
    if (this.#meta("moved_in") !== digest) {
      writeState(this.#sql, state);
      // Moved back here after moving away: this hub is the user's again.
      this.#sql.exec(`DELETE FROM hub_meta WHERE key = 'moved_to'`);
      this.#metaCache.delete("moved_to");
      this.#setMeta("moved_in", digest);
    }
    this.#remember(userId, region, state.meta.address);
    // Deliveries owed to the user's endpoints go on from here.
    this.#webhooksStaged = true;
    await this.#flushWebhooks();
    return { missing: missingRows(this.#sql, state) };
  }

  /** Erases the moved state, leaving the tombstone {movedTo: to}, if this hub still holds what was
   * copied (`digest`); "changed" when it took a change since (copy it again). */
  async finishMove(to: string, digest: string): Promise<"erased" | "changed"> {
    const movedTo = this.#meta("moved_to");
    if (movedTo !== null) return movedTo === to ? "erased" : "changed";
    const state = readState(this.#sql, (key) => this.#meta(key));
    if ((await digestOf(state)) !== digest) return "changed";
    // Requests may have come in during that await; from this check to the erasure nothing awaits.
    if (!sameState(readState(this.#sql, (key) => this.#meta(key)), state)) return "changed";
    // Listeners reconnect (1012: service restart) and their credentials lead them to the new hub.
    const principals = [...(state.tables.sessions ?? []), ...(state.tables.api_keys ?? [])].map((r) => String(r.id));
    for (const id of principals) this.#listeners.disconnect(id, 1012, "moved to another region; reconnect");
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(1012, "moved to another region; reconnect");
      } catch {
        // Closed already.
      }
    }
    eraseRows(this.#sql);
    this.#head = null;
    this.#minSeq = 0;
    this.#open();
    this.#setMeta("moved_to", to);
    // Nothing is owed from here any more: the webhook outbox moved, held sends had gone out.
    await this.ctx.storage.deleteAlarm();
    return "erased";
  }
}
