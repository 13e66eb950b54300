// The authorization matrix: every operation of the OpenAPI document × every kind of caller, against the
// worker in workerd and the real core. Who may call comes from the document (the `security` and
// `x-api-key-scope` it derives from operations.ts); what the worker does comes from scopes.ts and the
// routes; this test holds them to each other. Every operation needs a row in `rules` (how to call it and
// what it answers when allowed), and every route the app serves must be in the document, so a new route
// without a rule fails the build.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { allScopes, type ApiKeyCreated, type Folder, type LoginResponse, type Message, type MessagePage, type Scope, type SendAccepted, type WebhookCreated } from "../../../shared/api.ts";
import { toHex } from "../../../shared/encoding.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { api, BASE, clientIp } from "../../test/api.ts";
import { sendSmtp } from "../../test/events.ts";
import { imageUrl } from "../../test/image-server.ts";
import { seed } from "../../test/seed.ts";
import { app } from "../index.ts";
import { buildOpenApiDocument } from "../openapi/document.ts";
import { issueToken } from "../token.ts";

const doc = buildOpenApiDocument();

interface Operation {
  method: string;
  path: string;
  operationId: string;
  /** The statuses it documents as success. */
  successes: number[];
  /** null: public; "session": password sessions only; else the scope an API key needs. */
  access: null | "session" | Scope;
}

function operations(): Operation[] {
  type Op = { operationId: string; security?: unknown[]; "x-api-key-scope"?: string | null; responses: Record<string, unknown> };
  return Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      operationId: op.operationId,
      successes: Object.keys(op.responses).map(Number).filter((s) => s < 400),
      access: (op.security ?? []).length === 0 ? null : op["x-api-key-scope"] === null ? "session" : (op["x-api-key-scope"] as Scope),
    })),
  );
}

// ── callers ──
type Caller =
  | { kind: "owner" }
  | { kind: "other user" }
  | { kind: "key"; scope: Scope }
  | { kind: "none" | "expired token" | "revoked session" | "expired key" | "revoked key" };

const callers: Caller[] = [
  { kind: "owner" },
  { kind: "other user" },
  ...allScopes.map((scope): Caller => ({ kind: "key", scope })),
  { kind: "expired token" },
  { kind: "revoked session" },
  { kind: "expired key" },
  { kind: "revoked key" },
  { kind: "none" },
];
const callerName = (c: Caller) => (c.kind === "key" ? `key ${c.scope}` : c.kind);

// ── what the owner has, made once ──
interface Fixtures {
  ownerId: string;
  inboxId: string;
  /** A message with an attachment (seeded). */
  attachmentMessage: Message;
  /** A message that calls only read, flag or move back. */
  message: Message;
  /** A webhook the owner's password session made. */
  webhook: string;
  /** A send of the owner's held for a minute (cancelling it again answers the same). */
  heldSend: string;
  keys: Record<Scope, string>;
  expiredKey: string;
  revokedKey: string;
  expiredToken: string;
  revokedToken: string;
  /** A password session of the owner; made anew for every call, since some calls end it. */
  ownerSession(): Promise<string>;
  otherSession(): Promise<string>;
  /** A message of the owner's that a call may delete, move or teach the spam filter with. */
  freshMessage(): Promise<string>;
  freshApiKey(): Promise<string>;
  /** A webhook made with `credential` (a key sees and deletes only its own). */
  freshWebhook(credential: string): Promise<string>;
}

async function signIn(who: { address: string; password: string }): Promise<LoginResponse> {
  const res = await api("/api/v1/auth/login", { method: "POST", json: who });
  if (res.status !== 200) throw new Error(`login of ${who.address}: ${res.status} ${await res.text()}`);
  return (await res.json()) as LoginResponse;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function createKey(token: string, scopes: Scope[], name = "matrix"): Promise<ApiKeyCreated> {
  return json<ApiKeyCreated>(await api("/api/v1/api-keys", { method: "POST", token, json: { name, scopes } }), 201);
}

let f: Fixtures;

beforeAll(async () => {
  const owner = await signIn(seed.olga);
  const token = owner.token;
  const folders = await json<{ folders: Folder[] }>(await api("/api/v1/folders", { token, headers: { "cache-control": "no-cache" } }));
  const inboxId = folders.folders.find((x) => x.role === "inbox")!.id;

  /** Waits until the core lists a message with `subject` in the owner's inbox. */
  const arrived = async (subject: string): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const page = await json<MessagePage>(await api(`/api/v1/folders/${inboxId}/messages?limit=200`, { token, headers: { "cache-control": "no-cache" } }));
      const found = page.messages.find((m) => m.subject === subject);
      if (found) return found.id;
      if (Date.now() > deadline) throw new Error(`message "${subject}" never arrived`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let mailCount = 0;
  const freshMessage = async () => {
    const subject = `matrix ${++mailCount} ${crypto.randomUUID()}`;
    await sendSmtp({ from: "carol@remote.test", to: seed.olga.address, subject, text: "A message for the authorization matrix." });
    return arrived(subject);
  };

  const attachmentId = await arrived(seed.attachmentSubject);
  const attachmentMessage = await json<Message>(await api(`/api/v1/messages/${attachmentId}`, { token }));
  // The core wrote the attachment into its own local R2; this workerd has a bucket of its own, so the
  // same bytes go under the same content address here.
  const bytes = seed.attachmentBytes();
  await env.BLOBS.put(`att/sha256/${toHex(await crypto.subtle.digest("SHA-256", bytes))}`, bytes);
  const message = await json<Message>(await api(`/api/v1/messages/${await freshMessage()}`, { token }));

  const keys = Object.fromEntries(await Promise.all(allScopes.map(async (s) => [s, (await createKey(token, [s])).key] as const))) as Record<Scope, string>;
  const expired = await createKey(token, [...allScopes], "expired");
  const hub = env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(owner.user.id));
  await runInDurableObject(hub, (_instance, state) => {
    state.storage.sql.exec(`UPDATE api_keys SET expires_at = ? WHERE id = ?`, Date.now() - 1000, expired.id);
  });
  const revoked = await createKey(token, [...allScopes], "revoked");
  expect((await api(`/api/v1/api-keys/${revoked.id}`, { method: "DELETE", token })).status).toBe(204);
  const revokedSession = await signIn(seed.olga);
  expect((await api("/api/v1/auth/logout", { method: "POST", token: revokedSession.token })).status).toBe(204);
  // A token past its expiry for a session that is still live: only the expiry can refuse it.
  const live = await signIn(seed.olga);
  const sid = JSON.parse(atob(live.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
  const expiredToken = await issueToken(owner.user, sid, env.TOKEN_SECRET, 60, Date.now() - 3600_000);

  let hooks = 0;
  const webhook = await json<WebhookCreated>(await api("/api/v1/webhooks", { method: "POST", token, json: { url: `${inject("webhookReceiverUrl")}/matrix-owner/ok` } }), 201);
  const held = await json<SendAccepted>(
    await api("/api/v1/messages", { method: "POST", token, json: { to: [seed.olga.address], subject: "matrix held send", text: "never sent", holdSeconds: 60 } }),
    202,
  );
  f = {
    ownerId: owner.user.id,
    inboxId,
    attachmentMessage,
    message,
    webhook: webhook.id,
    heldSend: held.id,
    keys,
    expiredKey: expired.key,
    revokedKey: revoked.key,
    expiredToken,
    revokedToken: revokedSession.token,
    ownerSession: async () => (await signIn(seed.olga)).token,
    otherSession: async () => (await signIn(seed.mallory)).token,
    freshMessage,
    freshApiKey: async () => (await createKey(await f.ownerSession(), ["mail.read"], "to revoke")).id,
    freshWebhook: async (credential) =>
      (await json<WebhookCreated>(await api("/api/v1/webhooks", { method: "POST", token: credential, json: { url: `${inject("webhookReceiverUrl")}/matrix-${++hooks}/ok` } }), 201)).id,
  };
}, 120_000);

// ── how each operation is called, and what it answers when allowed ──
interface Call {
  path: string;
  init?: RequestInit & { json?: unknown };
}

interface Rule {
  /** The call. `consumes` is true when this caller is expected to get through: then the call gets a
   * resource of its own where it would use one up (a message deleted, a key revoked), made with the
   * caller's `credential` where the resource belongs to whoever made it (a webhook). */
  call(f: Fixtures, consumes: boolean, credential: string | null): Promise<Call> | Call;
  /** The status when allowed: a success the document promises, or 400 where a call that succeeded
   * would undo the matrix's own fixtures (then the body is wrong on purpose, past every check of who asks). */
  allowed: number;
  /** What another signed-in user gets: 404 where the call names the owner's things, "allowed" where
   * it acts on the caller's own mailbox or account. */
  otherUser: 404 | "allowed";
  /** After another user's attempt: the owner's thing is as it was. */
  untouched?(f: Fixtures, call: Call): Promise<void>;
}

const messageUnchanged = async (f: Fixtures, call: Call) => {
  const id = /\/messages\/([^/]+)/.exec(call.path)![1]!;
  const m = await json<Message>(await api(`/api/v1/messages/${id}`, { token: await f.ownerSession() }));
  expect(m.folderId).toBe(f.inboxId);
};

const onMessage = (suffix: string, init?: Call["init"]): Rule["call"] => async (f, consumes) => ({
  path: `/api/v1/messages/${consumes ? await f.freshMessage() : f.message.id}${suffix}`,
  init,
});

const rules: Record<string, Rule> = {
  login: { call: () => ({ path: "/api/v1/auth/login", init: { method: "POST", json: seed.olga } }), allowed: 200, otherUser: "allowed" },
  logout: { call: () => ({ path: "/api/v1/auth/logout", init: { method: "POST" } }), allowed: 204, otherUser: "allowed" },
  getAccount: { call: () => ({ path: "/api/v1/account" }), allowed: 200, otherUser: "allowed" },
  listFolders: { call: () => ({ path: "/api/v1/folders" }), allowed: 200, otherUser: "allowed" },
  listKeywords: { call: () => ({ path: "/api/v1/keywords" }), allowed: 200, otherUser: "allowed" },
  listMessages: { call: (f) => ({ path: `/api/v1/folders/${f.inboxId}/messages` }), allowed: 200, otherUser: 404 },
  search: { call: () => ({ path: "/api/v1/search?q=matrix" }), allowed: 200, otherUser: "allowed" },
  listContacts: { call: () => ({ path: "/api/v1/contacts?q=olga" }), allowed: 200, otherUser: "allowed" },
  getRemoteContent: { call: () => ({ path: `/api/v1/remote-content?url=${encodeURIComponent(imageUrl("/pixel.png"))}` }), allowed: 200, otherUser: "allowed" },
  getThread: { call: (f) => ({ path: `/api/v1/threads/${f.message.threadId}` }), allowed: 200, otherUser: 404 },
  getMessage: { call: (f) => ({ path: `/api/v1/messages/${f.message.id}` }), allowed: 200, otherUser: 404 },
  updateMessage: {
    call: (f) => ({ path: `/api/v1/messages/${f.message.id}`, init: { method: "PATCH", json: { starred: true } } }),
    allowed: 200,
    otherUser: 404,
    untouched: messageUnchanged,
  },
  // Another user's ids are not an error in a bulk change: they come back in notFound, untouched.
  updateMessages: {
    call: async (f, consumes) => ({ path: "/api/v1/messages", init: { method: "PATCH", json: { ids: [consumes ? await f.freshMessage() : f.message.id], patch: { folderId: "archive" } } } }),
    allowed: 200,
    otherUser: "allowed",
    untouched: async (f) => {
      const m = await json<Message>(await api(`/api/v1/messages/${f.message.id}`, { token: await f.ownerSession() }));
      expect(m.folderId).toBe(f.inboxId);
    },
  },
  deleteMessage: { call: onMessage("", { method: "DELETE" }), allowed: 200, otherUser: 404, untouched: messageUnchanged },
  // As with the bulk patch, another user's ids come back in notFound, untouched.
  deleteMessages: {
    call: async (f, consumes) => ({ path: "/api/v1/messages/delete", init: { method: "POST", json: { ids: [consumes ? await f.freshMessage() : f.message.id] } } }),
    allowed: 200,
    otherUser: "allowed",
    untouched: async (f) => {
      const m = await json<Message>(await api(`/api/v1/messages/${f.message.id}`, { token: await f.ownerSession() }));
      expect(m.folderId).toBe(f.inboxId);
    },
  },
  reportSpam: { call: onMessage("/report-spam", { method: "POST" }), allowed: 200, otherUser: 404, untouched: messageUnchanged },
  reportNotSpam: { call: onMessage("/not-spam", { method: "POST" }), allowed: 200, otherUser: 404, untouched: messageUnchanged },
  getFilters: { call: () => ({ path: "/api/v1/filters" }), allowed: 200, otherUser: "allowed" },
  saveFilterRules: { call: () => ({ path: "/api/v1/filters", init: { method: "PUT", json: { rules: [] } } }), allowed: 200, otherUser: "allowed" },
  saveSieveScript: { call: () => ({ path: "/api/v1/filters/sieve", init: { method: "PUT", json: { script: "keep;" } } }), allowed: 200, otherUser: "allowed" },
  getAttachment: { call: (f) => ({ path: `/api/v1/messages/${f.attachmentMessage.id}/attachments/${f.attachmentMessage.attachments[0]!.id}` }), allowed: 200, otherUser: 404 },
  uploadAttachment: {
    call: () => ({ path: "/api/v1/attachments?filename=notes.txt", init: { method: "POST", body: "matrix notes\n", headers: { "content-type": "text/plain" } } }),
    allowed: 201,
    otherUser: "allowed",
  },
  sendMessage: {
    call: () => ({ path: "/api/v1/messages", init: { method: "POST", json: { to: [{ address: seed.olga.address }], subject: "matrix send", text: "to myself" } } }),
    allowed: 202,
    otherUser: "allowed",
  },
  cancelHeldSend: { call: (f) => ({ path: `/api/v1/outbox/${f.heldSend}`, init: { method: "DELETE" } }), allowed: 200, otherUser: 404 },
  // Drafts are named by the client: another user's PUT makes a draft of their own under that id.
  saveDraft: { call: () => ({ path: `/api/v1/drafts/${uuidv7()}`, init: { method: "PUT", json: { subject: "matrix draft" } } }), allowed: 200, otherUser: "allowed" },
  getSettings: { call: () => ({ path: "/api/v1/settings" }), allowed: 200, otherUser: "allowed" },
  updateSettings: { call: () => ({ path: "/api/v1/settings", init: { method: "PATCH", json: { theme: "dark" } } }), allowed: 200, otherUser: "allowed" },
  addTrustedSender: { call: () => ({ path: "/api/v1/settings/trusted-senders", init: { method: "POST", json: { address: "news@remote.test" } } }), allowed: 200, otherUser: "allowed" },
  pollEvents: { call: () => ({ path: "/api/v1/events?timeout=0" }), allowed: 200, otherUser: "allowed" },
  streamEvents: { call: () => ({ path: "/api/v1/events/stream" }), allowed: 200, otherUser: "allowed" },
  eventsWebSocket: { call: () => ({ path: "/api/v1/events/ws", init: { headers: { upgrade: "websocket" } } }), allowed: 101, otherUser: "allowed" },
  createApiKey: { call: () => ({ path: "/api/v1/api-keys", init: { method: "POST", json: { name: "matrix", scopes: ["mail.read"] } } }), allowed: 201, otherUser: "allowed" },
  listApiKeys: { call: () => ({ path: "/api/v1/api-keys" }), allowed: 200, otherUser: "allowed" },
  revokeApiKey: { call: async (f, consumes) => ({ path: `/api/v1/api-keys/${consumes ? await f.freshApiKey() : "0000000000000000"}`, init: { method: "DELETE" } }), allowed: 204, otherUser: 404 },
  createWebhook: {
    call: () => ({ path: "/api/v1/webhooks", init: { method: "POST", json: { url: `${inject("webhookReceiverUrl")}/matrix-created/ok` } } }),
    allowed: 201,
    otherUser: "allowed",
  },
  listWebhooks: { call: () => ({ path: "/api/v1/webhooks" }), allowed: 200, otherUser: "allowed" },
  deleteWebhook: {
    call: async (f, consumes, credential) => ({ path: `/api/v1/webhooks/${consumes ? await f.freshWebhook(credential!) : f.webhook}`, init: { method: "DELETE" } }),
    allowed: 204,
    otherUser: 404,
  },
  listLogins: { call: () => ({ path: "/api/v1/security/logins" }), allowed: 200, otherUser: "allowed" },
  listSecurityEvents: { call: () => ({ path: "/api/v1/security/events" }), allowed: 200, otherUser: "allowed" },
  // A password change that succeeded would revoke every key and webhook of the matrix: the call gets
  // as far as checking its body (the new password is too short), which only an allowed caller reaches.
  // Its success is password.test.ts's.
  changePassword: {
    call: () => ({ path: "/api/v1/account/password", init: { method: "POST", json: { currentPassword: seed.olga.password, newPassword: "short" } } }),
    allowed: 400,
    otherUser: "allowed",
  },
  getOpenApiDocument: { call: () => ({ path: "/api/v1/openapi.json" }), allowed: 200, otherUser: "allowed" },
  getApiReference: { call: () => ({ path: "/api/docs" }), allowed: 200, otherUser: "allowed" },
};

/** What `caller` must get for `op`. */
function expected(op: Operation, rule: Rule, caller: Caller): number {
  if (op.access === null) return rule.allowed;
  switch (caller.kind) {
    case "owner":
      return rule.allowed;
    case "other user":
      return rule.otherUser === 404 ? 404 : rule.allowed;
    case "key":
      return op.access === caller.scope ? rule.allowed : 403;
    default:
      return 401;
  }
}

async function credentialOf(caller: Caller): Promise<string | null> {
  switch (caller.kind) {
    case "owner":
      return f.ownerSession();
    case "other user":
      return f.otherSession();
    case "key":
      return f.keys[caller.scope];
    case "expired token":
      return f.expiredToken;
    case "revoked session":
      return f.revokedToken;
    case "expired key":
      return f.expiredKey;
    case "revoked key":
      return f.revokedKey;
    case "none":
      return null;
  }
}

/** Makes the call; the body of a stream or a socket is closed at once. */
async function perform(call: Call, credential: string | null): Promise<number> {
  const headers = new Headers(call.init?.headers);
  headers.set("cf-connecting-ip", clientIp());
  if (credential) headers.set("authorization", `Bearer ${credential}`);
  if (call.init?.json !== undefined) headers.set("content-type", "application/json");
  const res = await SELF.fetch(`${BASE}${call.path}`, {
    ...call.init,
    headers,
    body: call.init?.json !== undefined ? JSON.stringify(call.init.json) : call.init?.body,
  });
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close(1000, "matrix");
  } else {
    await res.body?.cancel();
  }
  return res.status;
}

describe("the authorization matrix", () => {
  it("has a rule for every operation of the OpenAPI document, and no rule for one it lacks", () => {
    const ids = operations().map((o) => o.operationId);
    expect(ids.filter((id) => !(id in rules)), "operations without a rule").toEqual([]);
    expect(Object.keys(rules).filter((id) => !ids.includes(id)), "rules of no operation").toEqual([]);
  });

  it("documents every route the worker serves under /api", () => {
    const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/api"))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    // The document's path parameters may be named differently from the route's (`{folder}` vs `:id`).
    const shape = (route: string) => route.replace(/\{\w+\}/g, "{}");
    const documentedShapes = new Set([...documented].map(shape));
    expect([...served].filter((r) => !documentedShapes.has(shape(r))), "routes served but not documented").toEqual([]);
    expect(served.size).toBeGreaterThan(20);
  });

  for (const op of operations()) {
    it(`${op.method} ${op.path} (${op.access ?? "public"})`, async () => {
      const rule = rules[op.operationId];
      if (!rule) throw new Error(`no rule for ${op.operationId}: add one to the matrix`);
      if (rule.allowed < 400) expect(op.successes, "the rule's status is one the document promises").toContain(rule.allowed);
      const wrong: string[] = [];
      for (const caller of callers) {
        const want = expected(op, rule, caller);
        const credential = await credentialOf(caller);
        const call = await rule.call(f, want === rule.allowed && want < 400, credential);
        const got = await perform(call, credential);
        if (got !== want) wrong.push(`${callerName(caller)}: got ${got}, expected ${want}`);
        if (caller.kind === "other user" && rule.untouched) await rule.untouched(f, call);
      }
      expect(wrong).toEqual([]);
    }, 120_000);
  }
});
