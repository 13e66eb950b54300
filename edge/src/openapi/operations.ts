// Every operation of the public API, as data: what the OpenAPI document and the reference page are
// built from. Schemas are named components (schemas.ts); who may call is one `access` value, from
// which the document derives security, scope and the problems of authentication and rate limits.
import type { Scope } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import type { ProblemKind } from "../../../shared/problem.ts";
import type { RateLimitKind } from "../rate-limits.ts";
import type { JsonSchema } from "./schemas.ts";

/** "public": no token; "session": password sessions only (API keys get 403); else the scope an API key needs. */
export type Access = "public" | "session" | Scope;

/** A component's name, or a JSON Schema written out. */
export type SchemaSpec = string | JsonSchema;

export interface Param {
  name: string;
  in: "path" | "query" | "header";
  description: string;
  required?: boolean;
  schema: SchemaSpec;
}

export interface Body {
  description?: string;
  /** Media type → schema (none: any bytes). */
  content: Record<string, SchemaSpec | null>;
  headers?: Record<string, { description: string; schema?: JsonSchema }>;
}

export interface OperationSpec {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** As OpenAPI writes it: `{param}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: Param[];
  /** Query parameters taken from a query component's properties. */
  query?: { component: string; names: string[] };
  body?: Body & { required: boolean };
  /** Successful answers by status. */
  responses: Record<number, Body & { description: string }>;
  /** Problems particular to this operation; those of authentication, scopes, JSON bodies and rate limits are added. */
  problems: ProblemKind[];
  /** Answered by the edge alone: no "core unavailable" problem. */
  edgeOnly?: boolean;
  /** Also accepts the token as the `access_token` query parameter (the accessToken security scheme). */
  tokenInQuery?: boolean;
  /** Rate limits of a public operation (an authenticated one has the user's and the API key's). */
  limits?: RateLimitKind[];
}

const json = (schema: SchemaSpec) => ({ "application/json": schema });
const idParam = (what: string): Param => ({ name: "id", in: "path", required: true, description: `The ${what}'s id.`, schema: "Id" });
const opaqueIdParam = (what: string): Param => ({ name: "id", in: "path", required: true, description: `The ${what}'s id.`, schema: { type: "string" } });
const noContent = { 204: { description: "Done; no body.", content: {} } };

export const operations: OperationSpec[] = [
  // ── auth ──
  {
    method: "post", path: "/api/v1/auth/login", operationId: "login", tag: "Auth", access: "public", limits: ["login"],
    summary: "Sign in with address and password",
    description:
      "Answers a short-lived bearer token. Wrong address and wrong password get the same 401. Attempts are limited per client IP (the address Cloudflare saw, " +
      "not one a header claims); when that limit cannot be checked, the answer is 503 with Retry-After rather than an unlimited attempt.",
    body: { required: true, content: json("LoginRequest") },
    responses: { 200: { description: "Signed in.", content: json("LoginResponse") } },
    problems: ["unauthorized"],
  },
  {
    method: "post", path: "/api/v1/auth/logout", operationId: "logout", tag: "Auth", access: "session",
    summary: "Sign out: revoke the token of this request",
    responses: noContent,
    problems: [],
  },
  // ── account and mailbox ──
  {
    method: "get", path: "/api/v1/account", operationId: "getAccount", tag: "Mailbox", access: "mail.read",
    summary: "The signed-in user and their quota",
    responses: { 200: { description: "The account.", content: json("Account") } },
    problems: [],
  },
  {
    method: "get", path: "/api/v1/folders", operationId: "listFolders", tag: "Mailbox", access: "mail.read",
    summary: "All folders with unread and total counts",
    responses: { 200: { description: "The folders, standard ones first.", content: json("FolderList") } },
    problems: [],
  },
  {
    method: "get", path: "/api/v1/keywords", operationId: "listKeywords", tag: "Mailbox", access: "mail.read",
    summary: "The keywords (labels) on the user's messages, with counts",
    description: "Each keyword any message carries, most used first, with how many messages carry it and how many of those are unread; `keyword:<keyword>` in search lists them.",
    responses: { 200: { description: "The keywords.", content: json("KeywordList") } },
    problems: [],
  },
  {
    method: "get", path: "/api/v1/folders/{folder}/messages", operationId: "listMessages", tag: "Mailbox", access: "mail.read",
    summary: "One page of a folder's messages, newest first",
    description:
      "With `collapseThreads=true` the folder is listed one row per thread: each thread's newest message in this folder, " +
      "with `threadSize`, the number of messages the whole thread has (in every folder).",
    params: [{ name: "folder", in: "path", required: true, description: "The folder's id or role (`inbox`, `sent`, `drafts`, `trash`, `junk`, `archive`).", schema: "FolderRef" }],
    query: { component: "PageQuery", names: ["limit", "cursor", "collapseThreads"] },
    responses: { 200: { description: "A page; follow `nextCursor` for the next.", content: json("MessagePage") } },
    problems: ["validation", "notFound"],
  },
  {
    method: "get", path: "/api/v1/search", operationId: "search", tag: "Search", access: "mail.read",
    summary: "Search the user's mail: words, phrases and operators",
    description:
      "`q` takes free words (all must occur), `\"exact phrases\"`, `from:` `to:` `cc:` (names and addresses), `subject:`, `filename:`, " +
      "`has:attachment`, `in:<folder>` (a role such as `inbox`, `sent`, `junk` — also `spam` —, `trash`, a folder's name, or `anywhere`), " +
      "`is:unread` `is:read` `is:starred`, `keyword:<keyword>` (case-insensitive), `before:`/`after:` (YYYY/MM/DD), `older_than:`/`newer_than:` (7d, 2m, 1y), `larger:`/`smaller:` (10M, 500K), " +
      "`-` to exclude, `OR`, and parentheses. Every folder is searched unless `in:` says otherwise. " +
      "Words are found in the subject, names and addresses, the body (HTML as its text), attachment names, and the text of text and PDF attachments; " +
      "case and accents do not matter (`cafe` finds `café`). Korean, Japanese, Chinese and Thai words are found inside sentences without spaces " +
      "(`일정` finds `프로젝트일정`). Results are newest first (`sort=date`), or best match first (`sort=relevance`, bm25, among the newest " +
      `${limits.searchRelevanceWindow} matches). A malformed query is a 400 whose \`errors\` entry for \`query.q\` says \`at <position>: <problem>\` (0-based).`,
    query: { component: "SearchQuery", names: ["q", "limit", "cursor", "sort"] },
    responses: { 200: { description: "A page of results; follow `nextCursor` for the next.", content: json("SearchPage") } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/contacts", operationId: "listContacts", tag: "Contacts", access: "mail.read",
    summary: "Address suggestions: the people the user has mailed",
    description:
      "Everyone the user has sent mail to (to, cc or bcc of a message in Sent, whichever app sent it), ranked by how often the user mailed them, " +
      "fading with the time since the last message (one message today ranks with two 30 days ago). `q` matches the start of the address, of the " +
      "name or of any word of the name, in any case and without accents (`emi` finds Émile); empty, it lists the most mailed.",
    query: { component: "ContactsQuery", names: ["q", "limit"] },
    responses: { 200: { description: "At most `limit` contacts, best first.", content: json("ContactList") } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/remote-content", operationId: "getRemoteContent", tag: "Remote content", access: "mail.read",
    summary: "An image a message links to, fetched by the edge",
    description:
      "For showing a message's remote images without the reader's browser contacting their host: the edge fetches `url` (http or https, any port) " +
      "without cookies, Referer or the client's headers (User-Agent `edgemail-image-proxy`), following at most 3 redirects, each checked again. " +
      "A URL that leads to a loopback, private, link-local or other special-purpose address, or names a local-only host, is a 400 naming `query.url`. " +
      "Only images pass (not SVG, which can carry script): anything else is a 415. At most 5 MB (413) within 10 seconds (504); " +
      "the remote server's errors and failures are a 502. Nothing of the remote answer but the bytes and their type is passed on.",
    query: { component: "RemoteContentQuery", names: ["url"] },
    responses: {
      200: {
        description: "The image.",
        content: { "image/*": null },
        headers: {
          "Content-Type": { description: "The image's type, as the remote server gave it (never `image/svg+xml`)." },
          "Cache-Control": { description: "`private, max-age=86400`." },
          "Content-Security-Policy": { description: "`default-src 'none'`." },
          "X-Content-Type-Options": { description: "`nosniff`." },
        },
      },
    },
    problems: ["validation", "payloadTooLarge", "unsupportedMediaType", "badGateway", "unavailable", "gatewayTimeout"],
    edgeOnly: true,
  },
  {
    method: "get", path: "/api/v1/threads/{id}", operationId: "getThread", tag: "Mailbox", access: "mail.read",
    summary: "A conversation: its messages in every folder, oldest first",
    description:
      "Messages are threaded by Message-ID, In-Reply-To and References, and a reply without them by its subject " +
      `(within 30 days, with someone in common). A thread of more than ${limits.maxThreadMessages} messages shows its newest ${limits.maxThreadMessages}; ` +
      "`messageCount` counts them all. Every message's `threadId` names its thread.",
    params: [idParam("thread")],
    responses: { 200: { description: "The thread.", content: json("Thread") } },
    problems: ["notFound"],
  },
  {
    method: "get", path: "/api/v1/messages/{id}", operationId: "getMessage", tag: "Mailbox", access: "mail.read",
    summary: "A whole message",
    params: [idParam("message")],
    responses: { 200: { description: "The message.", content: json("Message") } },
    problems: ["notFound"],
  },
  {
    method: "patch", path: "/api/v1/messages/{id}", operationId: "updateMessage", tag: "Mailbox", access: "mail.manage",
    summary: "Mark read or starred, add or remove keywords, or move to another folder",
    params: [idParam("message")],
    body: { required: true, content: json("MessagePatch") },
    responses: { 200: { description: "The message as it is now.", content: json("MessageSummary") } },
    problems: ["notFound"],
  },
  {
    method: "patch", path: "/api/v1/messages", operationId: "updateMessages", tag: "Mailbox", access: "mail.manage",
    summary: "The same change to many messages at once",
    description:
      "Marks read or starred, adds or removes keywords, or moves up to 1,000 messages in one transaction (Gmail's batchModify): what \"select all, then archive\" sends. " +
      "Ids that name none of your messages are listed in `notFound`; the rest change together. Moves into or out of Junk teach the spam filter as a single move does.",
    body: { required: true, content: json("MessagesPatch") },
    responses: { 200: { description: "Each message found, as it is now, and the ids not found.", content: json("MessagesPatched") } },
    problems: [],
  },
  {
    method: "delete", path: "/api/v1/messages/{id}", operationId: "deleteMessage", tag: "Mailbox", access: "mail.manage",
    summary: "Move a message to Trash, or delete it for good when it is in Trash",
    params: [idParam("message")],
    responses: { 200: { description: "What happened to it.", content: json("DeleteResult") } },
    problems: ["notFound"],
  },
  {
    method: "post", path: "/api/v1/messages/delete", operationId: "deleteMessages", tag: "Mailbox", access: "mail.manage",
    summary: "Delete many messages at once",
    description:
      "Up to 1,000 messages (Gmail's batchDelete, JMAP's Email/set destroy): what \"select all, then Delete\" sends. As a single delete does, each message outside Trash goes to Trash and each already in Trash is deleted for good. " +
      "Ids that name none of your messages are listed in `notFound`.",
    body: { required: true, content: json("MessagesDelete") },
    responses: { 200: { description: "The ids moved to Trash, those deleted for good, and those not found.", content: json("MessagesDeleted") } },
    problems: [],
  },
  {
    method: "post", path: "/api/v1/messages/{id}/report-spam", operationId: "reportSpam", tag: "Mailbox", access: "mail.manage",
    summary: "Report spam: move to Junk and teach the spam filter",
    description: "The user's own filter learns the message as spam (and the service's global one does too). Reporting the same message again changes nothing. Moving a message into Junk with PATCH teaches the same.",
    params: [idParam("message")],
    responses: { 200: { description: "The message as it is now.", content: json("MessageSummary") } },
    problems: ["notFound"],
  },
  {
    method: "post", path: "/api/v1/messages/{id}/not-spam", operationId: "reportNotSpam", tag: "Mailbox", access: "mail.manage",
    summary: "Not spam: move out of Junk to the inbox and teach the spam filter",
    description: "Takes back an earlier spam lesson about this message and learns it as wanted mail. A message outside Junk stays where it is.",
    params: [idParam("message")],
    responses: { 200: { description: "The message as it is now.", content: json("MessageSummary") } },
    problems: ["notFound"],
  },
  // ── filters ──
  {
    method: "get", path: "/api/v1/filters", operationId: "getFilters", tag: "Filters", access: "mail.read",
    summary: "The filters: the active Sieve script and the rules it came from",
    responses: { 200: { description: "The filters (all null when none were saved).", content: json("Filters") } },
    problems: [],
  },
  {
    method: "put", path: "/api/v1/filters", operationId: "saveFilterRules", tag: "Filters", access: "mail.manage",
    summary: "Replace the filters with rules and a vacation answer (compiled to Sieve)",
    description:
      "A rule's `forwardTo` naming an address outside the account (not the user's address or one of their aliases) that the saved filters do not already forward to " +
      "needs a password session or an API key with `mail.forward` as well: otherwise 403, naming `rules.N.actions.forwardTo`. Keeping or removing a forward needs only `mail.manage`. " +
      "A new forward is announced to the user (the event `security.forwarding`, and the security activity).",
    body: { required: true, content: json("FilterSettings") },
    responses: { 200: { description: "The filters as saved, with the Sieve script they compiled to.", content: json("Filters") } },
    problems: ["validation"],
  },
  {
    method: "put", path: "/api/v1/filters/sieve", operationId: "saveSieveScript", tag: "Filters", access: "mail.manage",
    summary: "Replace the filters with a Sieve script",
    description:
      "Send `{\"script\": …}` as JSON, or the script itself as `application/sieve`. A script that does not parse is refused with 400 naming the line and column. " +
      "A `redirect` to an address outside the account (not the user's address or one of their aliases) that the saved filters do not already forward to needs a password session " +
      "or an API key with `mail.forward` as well: otherwise 403, naming `script`. Keeping or removing a redirect needs only `mail.manage`. A new forward is announced to the user " +
      "(the event `security.forwarding`, and the security activity).",
    body: { required: true, content: { ...json("SieveUpload"), "application/sieve": { type: "string" } } },
    responses: { 200: { description: "The filters as saved.", content: json("Filters") } },
    problems: ["validation"],
  },
  // ── attachments ──
  {
    method: "get", path: "/api/v1/messages/{id}/attachments/{attachmentId}", operationId: "getAttachment", tag: "Attachments", access: "mail.read",
    summary: "Download an attachment (byte ranges supported)",
    description: "Streams the attachment with its own Content-Type. Types a browser would run (HTML, SVG, XML, scripts) are always sent as a download.",
    params: [
      idParam("message"),
      { name: "attachmentId", in: "path", required: true, description: "`id` of an entry of the message's `attachments`.", schema: { type: "string" } },
      { name: "Range", in: "header", description: "One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-500` (RFC 9110).", schema: { type: "string" } },
    ],
    responses: {
      200: {
        description: "The whole attachment.",
        content: { "*/*": null },
        headers: {
          "Content-Disposition": { description: "`attachment` or `inline`, with the file name (RFC 6266)." },
          "Content-Length": { description: "Bytes in the body.", schema: { type: "integer" } },
          "Accept-Ranges": { description: "`bytes`." },
          ETag: { description: "The content's SHA-256: it never changes." },
        },
      },
      206: {
        description: "The requested range.",
        content: { "*/*": null },
        headers: { "Content-Range": { description: "`bytes <first>-<last>/<size>`." }, "Content-Length": { description: "Bytes in the body.", schema: { type: "integer" } } },
      },
    },
    problems: ["notFound", "rangeNotSatisfiable", "badGateway"],
  },
  {
    method: "post", path: "/api/v1/attachments", operationId: "uploadAttachment", tag: "Attachments", access: "mail.send",
    summary: "Upload a file to attach to a message or draft",
    description: "The body is the file's bytes; its type is the Content-Type. Files are stored by their SHA-256, once however often uploaded.",
    params: [
      { name: "filename", in: "query", description: "The file's name (or give it in Content-Disposition). 1–255 characters, no line breaks, NUL or slashes.", schema: { type: "string", minLength: 1, maxLength: 255 } },
      { name: "Content-Length", in: "header", required: true, description: "The file's size: at most the largest message size.", schema: { type: "integer", minimum: 1 } },
      { name: "Content-Disposition", in: "header", description: "`attachment; filename=\"…\"` or `filename*=UTF-8''…`, when `filename` is not in the query.", schema: { type: "string" } },
    ],
    body: { required: true, description: "The file's bytes.", content: { "*/*": null } },
    responses: { 201: { description: "Stored; attach it by `id`.", content: json("UploadedAttachment") } },
    problems: ["validation", "lengthRequired", "payloadTooLarge"],
  },
  // ── sending ──
  {
    method: "post", path: "/api/v1/messages", operationId: "sendMessage", tag: "Sending", access: "mail.send",
    summary: "Send a message",
    description:
      "Answers 202 once the sender's core has the message on disk; delivery follows. With an Idempotency-Key a retried request sends nothing new and gets the same id. " +
      "Past the daily sending limit (recipients per day) the answer is 429 with Retry-After. " +
      `With \`holdSeconds\` (1–${limits.maxHoldSeconds}) the service holds the message that long before sending it ("undo send"): the answer is \`held\` with \`sendAt\`, ` +
      "and DELETE /api/v1/outbox/{id} cancels it until then. A retry (same Idempotency-Key) of a send cancelled meanwhile is a 409.",
    params: [{ name: "Idempotency-Key", in: "header", description: "1–255 visible ASCII characters naming this send; reusing it for a different message is a 422.", schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" } }],
    body: { required: true, content: json("SendRequest") },
    responses: {
      202: { description: "Queued.", content: json("SendAccepted"), headers: { Location: { description: "`/api/v1/messages/{id}` of the Sent copy." } } },
    },
    problems: ["validation", "unprocessable", "conflict"],
  },
  {
    method: "delete", path: "/api/v1/outbox/{id}", operationId: "cancelHeldSend", tag: "Sending", access: "mail.send",
    summary: "Undo send: cancel a held send",
    description:
      "Cancels a message sent with `holdSeconds` while its hold lasts: it never reaches its recipients or Sent, and the draft it was sent from stays. " +
      "Cancelling again answers the same. Once the hold is over and the message is on its way, 409. An id of no held send of this user (another user's too) is 404.",
    params: [idParam("message (as POST /api/v1/messages answered it)")],
    responses: { 200: { description: "Cancelled.", content: json("SendCancelled") } },
    problems: ["notFound", "conflict"],
    edgeOnly: true,
  },
  {
    method: "put", path: "/api/v1/drafts/{id}", operationId: "saveDraft", tag: "Sending", access: "mail.manage",
    summary: "Save a draft (replacing the draft of the same id)",
    params: [{ name: "id", in: "path", required: true, description: "A UUIDv7 your client makes for the draft, so saving again replaces it.", schema: "Id" }],
    body: { required: true, content: json("DraftRequest") },
    responses: { 200: { description: "Saved in Drafts.", content: json("DraftSaved") } },
    problems: ["validation"],
  },
  // ── settings ──
  {
    method: "get", path: "/api/v1/settings", operationId: "getSettings", tag: "Settings", access: "mail.read",
    summary: "The user's settings",
    description: "Kept by the service, so every device and tab sees the same. A user who never saved any gets the defaults.",
    responses: { 200: { description: "The settings.", content: json("Settings") } },
    problems: [],
    edgeOnly: true,
  },
  {
    method: "patch", path: "/api/v1/settings", operationId: "updateSettings", tag: "Settings", access: "mail.manage",
    summary: "Change some settings",
    description: "Give only the fields to change; `remoteContent.trustedSenders` replaces the whole list (to add one sender, POST /api/v1/settings/trusted-senders). A bad value is a 400 naming it.",
    body: { required: true, content: json("SettingsPatch") },
    responses: { 200: { description: "The settings as they are now.", content: json("Settings") } },
    problems: ["validation"],
    edgeOnly: true,
  },
  {
    method: "post", path: "/api/v1/settings/trusted-senders", operationId: "addTrustedSender", tag: "Settings", access: "mail.manage",
    summary: "Trust one more sender with remote content",
    description: `Adds the address (normalized) to \`remoteContent.trustedSenders\`, so two clients adding at once both count; one already there changes nothing. With ${limits.maxTrustedSenders} there already, 409.`,
    body: { required: true, content: json("TrustedSenderAdd") },
    responses: { 200: { description: "The settings as they are now.", content: json("Settings") } },
    problems: ["validation", "conflict"],
    edgeOnly: true,
  },
  // ── events ──
  {
    method: "get", path: "/api/v1/events", operationId: "pollEvents", tag: "Events", access: "events",
    summary: "Mailbox events after a cursor (long-poll)",
    description:
      "Answers at once when there are events after `since`, else waits up to `timeout` seconds for one; poll again from the answer's `cursor`. " +
      "Without `mail.read`, `message.created` carries a MessageNotice (no subject, sender, recipients or snippet). " +
      "The token goes in the Authorization header: `access_token` in the query is refused here (400).",
    query: { component: "EventsQuery", names: ["since", "timeout"] },
    responses: { 200: { description: "Events in order, and the cursor to poll from next.", content: json("EventsPage") } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/events/stream", operationId: "streamEvents", tag: "Events", access: "events",
    summary: "Mailbox events as Server-Sent Events",
    description:
      "Each event is sent as `id: <cursor>`, `event: <type>` and `data: <ClientEvent as JSON>` (see the ClientEvent schema). " +
      "A reconnecting EventSource sends Last-Event-ID and misses nothing. An EventSource cannot set headers: pass the token as `access_token` then. " +
      "Without `mail.read`, `message.created` carries a MessageNotice.",
    query: { component: "EventsQuery", names: ["since"] },
    params: [{ name: "Last-Event-ID", in: "header", description: "The cursor of the last event received; takes the place of `since`.", schema: { type: "string" } }],
    tokenInQuery: true,
    responses: { 200: { description: "An endless `text/event-stream`.", content: { "text/event-stream": { type: "string" } } } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/events/ws", operationId: "eventsWebSocket", tag: "Events", access: "events",
    summary: "Mailbox events over a WebSocket",
    description:
      "A WebSocket upgrade. Browsers cannot set Authorization on a WebSocket: offer the subprotocols `edgemail.v1` and `bearer.<token>` " +
      "(Sec-WebSocket-Protocol), or pass the token as `access_token` (the subprotocol keeps it out of URLs, and so out of logs). Each message from the server is one ClientEvent as JSON; " +
      "without `mail.read`, `message.created` carries a MessageNotice.",
    params: [
      { name: "Upgrade", in: "header", required: true, description: "`websocket`.", schema: { type: "string", const: "websocket" } },
      { name: "Sec-WebSocket-Protocol", in: "header", description: "`edgemail.v1, bearer.<token>`: the server answers `edgemail.v1`.", schema: { type: "string" } },
    ],
    query: { component: "EventsQuery", names: ["since"] },
    tokenInQuery: true,
    responses: { 101: { description: "Switched to the WebSocket protocol `edgemail.v1`.", content: {} } },
    problems: ["validation", "upgradeRequired"],
  },
  // ── API keys ──
  {
    method: "post", path: "/api/v1/api-keys", operationId: "createApiKey", tag: "API keys", access: "session",
    summary: "Create an API key with scopes",
    body: { required: true, content: json("ApiKeyCreate") },
    responses: { 201: { description: "Created; the key is in this answer only.", content: json("ApiKeyCreated") } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/api-keys", operationId: "listApiKeys", tag: "API keys", access: "session",
    summary: "The user's API keys",
    responses: { 200: { description: "The keys (never the keys themselves).", content: json("ApiKeyList") } },
    problems: [],
  },
  {
    method: "delete", path: "/api/v1/api-keys/{id}", operationId: "revokeApiKey", tag: "API keys", access: "session",
    summary: "Revoke an API key",
    params: [opaqueIdParam("API key")],
    responses: noContent,
    problems: ["notFound"],
  },
  // ── webhooks ──
  {
    method: "post", path: "/api/v1/webhooks", operationId: "createWebhook", tag: "Webhooks", access: "events",
    summary: "Register a webhook",
    description:
      "Each event of the chosen types is POSTed to `url`, signed (see Webhooks below). `url` must be https on port 443, 80, 8080 or 8443 and lead to a public host: an address in a special-purpose block, a local-only name, or a name resolving to such an address (or to none) is a 400 naming `url`; 503 when the host's name cannot be looked up right now. " +
      "The webhook belongs to its maker: one made with an API key is seen and deleted " +
      "by that key only and goes when the key is revoked or expires; its message.created deliveries carry the message's content only if the key has `mail.read`.",
    body: { required: true, content: json("WebhookCreate") },
    responses: { 201: { description: "Registered; the signing secret is in this answer only.", content: json("WebhookCreated") } },
    problems: ["validation"],
  },
  {
    method: "get", path: "/api/v1/webhooks", operationId: "listWebhooks", tag: "Webhooks", access: "events",
    summary: "The webhooks",
    description: "A password session sees all of the user's webhooks, each with who made it (`createdBy`); an API key sees only those it made.",
    responses: { 200: { description: "The webhooks (never their secrets).", content: json("WebhookList") } },
    problems: [],
  },
  {
    method: "delete", path: "/api/v1/webhooks/{id}", operationId: "deleteWebhook", tag: "Webhooks", access: "events",
    summary: "Remove a webhook",
    description: "A password session may remove any of the user's webhooks; an API key only those it made (another's is 404, as if it did not exist).",
    params: [opaqueIdParam("webhook")],
    responses: noContent,
    problems: ["notFound"],
  },
  // ── security ──
  {
    method: "get", path: "/api/v1/security/logins", operationId: "listLogins", tag: "Security", access: "session",
    summary: "Recent password logins to this account",
    responses: { 200: { description: "Newest first.", content: json("LoginList") } },
    problems: [],
  },
  {
    method: "get", path: "/api/v1/security/events", operationId: "listSecurityEvents", tag: "Security", access: "session",
    summary: "Recent security activity of this account (90 days)",
    description:
      "As Gmail's \"Recent security activity\": sign-ins from a new country or network, forwards added to the filters, blocked password guessing, " +
      "password changes, API keys created and revoked, and signing out everywhere; by the user or the operator.",
    responses: { 200: { description: "Newest first, at most 200.", content: json("SecurityEventList") } },
    problems: [],
  },
  {
    method: "post", path: "/api/v1/account/password", operationId: "changePassword", tag: "Security", access: "session",
    summary: "Change the password; every other session, API key and webhook is revoked",
    description:
      "Checks `currentPassword`, stores `newPassword`, then signs out every other session, revokes every API key and removes every webhook, " +
      "closing their open connections (WebSocket code 4003), as Google does on a password change. The session that asks stays signed in. " +
      "A wrong current password is 403 naming `currentPassword`; the fifth from one session also signs that session out.",
    body: { required: true, content: json("PasswordChange") },
    responses: noContent,
    problems: ["validation"],
  },
  // ── this reference ──
  {
    method: "get", path: "/api/v1/openapi.json", operationId: "getOpenApiDocument", tag: "Reference", access: "public", edgeOnly: true,
    summary: "This API as an OpenAPI 3.1 document",
    responses: { 200: { description: "The document.", content: json({ type: "object" }) } },
    problems: [],
  },
  {
    method: "get", path: "/api/docs", operationId: "getApiReference", tag: "Reference", access: "public", edgeOnly: true,
    summary: "This API as a readable page",
    responses: { 200: { description: "An HTML page, self-contained.", content: { "text/html": { type: "string" } } } },
    problems: [],
  },
];
