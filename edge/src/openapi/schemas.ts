// The API's data shapes as named OpenAPI components, generated from the zod contract in shared/ by
// zod's own JSON Schema output (2020-12, the dialect of OpenAPI 3.1). Each schema registered here is
// emitted once under its name and $ref'd wherever another schema or an operation uses it.
import { z } from "zod";
import * as api from "../../../shared/api.ts";
import * as filters from "../../../shared/filters.ts";
import { EventData, EventsQuery, eventTypes, FolderCounts, MessageNotice, type EventType } from "../../../shared/events.ts";
import { problemKinds, problemType, type Problem as ProblemShape, type ProblemKind } from "../../../shared/problem.ts";
import { SecurityEventData, securityEventTypes, type SecurityEventType } from "../../../shared/security.ts";

/** Also any other JSON Schema or OpenAPI keyword (format, examples, discriminator), copied as it is. */
type Meta = { id?: string; description?: string; [keyword: string]: unknown };

/** Names and descriptions for the document only, kept out of zod's global registry (and so out of shared/). */
export const registry = z.registry<Meta>();

function component<S extends z.ZodType>(id: string, schema: S, description?: string, extra: Omit<Meta, "id" | "description"> = {}): S {
  registry.add(schema, { id, ...(description ? { description } : {}), ...extra });
  return schema;
}

function described<S extends z.ZodType>(schema: S, description: string): S {
  registry.add(schema, { description });
  return schema;
}

// ── basics ──────────────────────────────────────────────────────────────────
component("Id", api.Id, "An id this API gave out: a UUIDv7, so ids sort by creation time.", { format: "uuid" });
component("FolderRole", api.FolderRole, "The special use of a folder.");
component("FolderRef", api.FolderRef, "A folder's id, or its role (`inbox`, `sent`, …) as a shorthand.");
component("MailAddress", api.MailAddress, "A mailbox as it appears in a message: display name (may be empty) and address.");
component(
  "Scope",
  api.Scope,
  "What an API key may do. `mail.read`: read mailbox data, including what messages say in events and webhooks; `mail.manage`: change, move and delete messages, save drafts, filters and settings; " +
    "`mail.forward`: save filters that forward mail to a new address outside the account (with `mail.manage`); `mail.send`: send (and undo a held send) and upload attachments; " +
    "`events`: mailbox events and webhooks (without `mail.read`, a new message's event leaves its content out: MessageNotice; security events go to password sessions only).",
);

component(
  "Problem",
  z.object({
    type: described(
      z.string(),
      `A stable URN to switch on: ${Object.entries(problemKinds).map(([kind, { status }]) => `\`${problemType(kind as ProblemKind)}\` (${status})`).join(", ")}.`,
    ),
    title: z.string(),
    status: z.number().int(),
    detail: described(z.string().optional(), "What went wrong with this request, for people."),
    instance: z.string().optional(),
    errors: described(
      z.array(z.object({ field: described(z.string(), "Dotted path of the offending field, e.g. `to.0` or `query.limit`."), message: z.string() })).optional(),
      "One entry per invalid field (400 answers).",
    ),
    requestId: described(z.string().optional(), "Quote it when reporting a problem; also in the `X-Request-Id` header."),
  }) satisfies z.ZodType<ProblemShape>,
  "An error, as RFC 9457 problem details (`application/problem+json`).",
  { examples: [{ type: problemType("notFound"), title: problemKinds.notFound.title, status: 404, detail: "No message 0190f5a2-….", requestId: "3f1c…" }] },
);

// ── auth and account ────────────────────────────────────────────────────────
component("LoginRequest", api.LoginRequest);
component("UserIdentity", api.UserIdentity);
component("LoginResponse", api.LoginResponse, "A bearer token for the `Authorization` header, valid for `expiresIn` seconds.");
component("Account", api.Account, "The signed-in user and their storage quota.");
component("PasswordChange", api.PasswordChange, "The current password, and the new one (8 or more characters, not the current one).");

// ── mailbox ─────────────────────────────────────────────────────────────────
component("Folder", api.Folder);
component("FolderList", api.FolderList);
component("KeywordList", api.KeywordList, "Keywords on the user's messages, most used first, counted case-insensitively.");
component("MessageSummary", api.MessageSummary, "A message as listed in a folder.");
component("ListedMessage", api.ListedMessage, "A message in a folder listing; `threadSize` when the folder is listed one row per thread (`collapseThreads=true`).");
component("MessagePage", api.MessagePage, "One page of a folder, newest first; pass `nextCursor` as `cursor` for the next (null: no more).");
component("Thread", api.Thread, "A conversation: `subject` of its oldest message, its messages oldest first, and how many it has in all and unread.");
component("Attachment", api.Attachment, "An attachment of a received message; download it from /api/v1/messages/{id}/attachments/{attachmentId}.");
component("Message", api.Message, "A whole message: its summary, more headers, text and HTML bodies, attachments.");
component(
  "MessagePatch",
  api.MessagePatch,
  "Give at least one field. `keywords` adds and removes IMAP keywords (labels such as `invoices`, or `$NotJunk`), compared case-insensitively; " +
    "what is not named stays. A keyword is an IMAP atom of at most 100 characters, a message carries at most 50, and the same keyword cannot be both added and removed. " +
    "`$seen` and `$flagged` are refused: they are `read` and `starred`.",
);
component("MessagesPatch", api.MessagesPatch, "`ids`: 1 to 1,000 message ids, each once; `patch`: a MessagePatch applied to each.");
component("MessagesPatched", api.MessagesPatched, "`updated`: each message found, as it is now, in the order named; `notFound`: the ids that name none of your messages.");
component("DeleteResult", api.DeleteResult, "A message outside Trash is moved there; one in Trash is deleted for good.");
component("MessagesDelete", api.MessagesDelete, "`ids`: 1 to 1,000 message ids, each once.");
component("MessagesDeleted", api.MessagesDeleted, "`trashed`: the ids moved to Trash; `deleted`: those that were in Trash, now deleted for good; `notFound`: the ids that name none of your messages.");
component("PageQuery", api.PageQuery);

// ── search ──────────────────────────────────────────────────────────────────
component("SearchQuery", api.SearchQuery);
component("SearchResult", api.SearchResult, "A message found, as listed in a folder, with the folder it is in now and `highlight` (HTML: escaped text, matches in `<mark>`).");
component("SearchPage", api.SearchPage, "One page of results; pass `nextCursor` as `cursor` (with the same `q` and `sort`) for the next (null: no more).");
component("EventsQuery", EventsQuery);

// ── contacts and remote content ─────────────────────────────────────────────
component("ContactsQuery", api.ContactsQuery);
component("Contact", api.Contact, "Someone the user has mailed: `timesMailed` counts the sent messages that went to them (to, cc or bcc).");
component("ContactList", api.ContactList, "Most mailed first, fading with time since the last message to them.");
component("RemoteContentQuery", api.RemoteContentQuery);

// ── sending ─────────────────────────────────────────────────────────────────
component("MailAddressInput", api.MailAddressInput, "An address, alone or with a display name. Line breaks are refused anywhere a header is made from.");
component("AttachmentRef", api.AttachmentRef, "An attachment uploaded with POST /api/v1/attachments; `filename` and `contentType` override the upload's.");
component("SendRequest", api.SendRequest, "At least one recipient in to, cc or bcc; at most 100 in all. `draftId` removes that draft once sent.");
component("DraftRequest", api.DraftRequest);
component(
  "SendAccepted",
  api.SendAccepted,
  "The message is queued durably (`queued`), or held until `sendAt` (`held`, when sent with `holdSeconds`): until then DELETE /api/v1/outbox/{id} cancels it. " +
    "`duplicate` when an earlier request with the same Idempotency-Key already queued it.",
);
component("SendCancelled", api.SendCancelled, "The held send will not go out: it never reaches the recipients or Sent, and its draft (`draftId`) stays.");
component("DraftSaved", api.DraftSaved);
component("UploadedAttachment", api.UploadedAttachment, "Use `id` in a message's `attachments` (valid for this user only).");

// ── settings ────────────────────────────────────────────────────────────────
component(
  "Settings",
  api.Settings,
  "What the user chose, the same on every device: `undoSendSeconds` (what a client passes as `holdSeconds` when sending; default 10), " +
    "`remoteContent.trustedSenders` (addresses, normalized, whose messages may load remote content without asking; at most 1000), `theme` (default `system`).",
);
component("SettingsPatch", api.SettingsPatch, "The fields to change (at least one); `remoteContent.trustedSenders` replaces the whole list.");
component("TrustedSenderAdd", api.TrustedSenderAdd, "One sender to trust with remote content.");

// ── filters ─────────────────────────────────────────────────────────────────
component("FilterConditions", filters.FilterConditions, "Every condition given must hold (`match: all`) or one of them (`match: any`); none: every message.");
component("FilterActions", filters.FilterActions, "What a matching rule does. `neverSpam` keeps matching mail out of Junk.");
component("FilterRule", filters.FilterRule);
component("VacationSettings", filters.VacationSettings, "The vacation answer (RFC 5230): at most once per sender per `days`; never to lists, bulk or automatic mail, or no-reply senders.");
component("FilterSettings", filters.FilterSettings, "Rules apply in order and add up (every matching rule acts).");
component("SieveUpload", filters.SieveUpload, "A Sieve script (RFC 5228) with fileinto, imap4flags, copy, envelope, body and vacation.");
component("Filters", filters.Filters, "The active Sieve script, and the rules it was compiled from (null when it was uploaded as Sieve).");

// ── integrators ─────────────────────────────────────────────────────────────
component("ApiKeyCreate", api.ApiKeyCreate);
component("ApiKeyInfo", api.ApiKeyInfo, "A key as listed: never the key itself.");
component("ApiKeyCreated", api.ApiKeyCreated, "`key` (`emk_…`) is shown this once; store it. Send it as `Authorization: Bearer emk_…`.");
component("ApiKeyList", z.object({ keys: z.array(api.ApiKeyInfo) }));
component("WebhookEventType", api.WebhookEventType);
component("WebhookCreate", api.WebhookCreate);
component("WebhookCreator", api.WebhookCreator, "Who made the webhook: `user` (a password session), `apiKey` (that key: deleting the key deletes its webhooks), or `unknown` (made before makers were recorded; its deliveries leave message content out).");
component("WebhookInfo", api.WebhookInfo, "A webhook as listed: an API key sees only its own, a password session all of the user's. `includesContent`: whether its message.created deliveries carry the MessageSummary (its maker may read mail) or a MessageNotice.");
component("WebhookCreated", api.WebhookCreated, "`secret` (`whsec_…`) is shown this once: it verifies the `webhook-signature` of every delivery.");
component("WebhookList", z.object({ webhooks: z.array(api.WebhookInfo) }));

// ── events ──────────────────────────────────────────────────────────────────
/** Component names of the event shapes: `message.created` → MessageCreated(Data|Event). */
export function eventComponentName(type: string, suffix: "Data" | "Event" | "Webhook"): string {
  return type.split(/[.-]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("") + suffix;
}

const eventDescriptions: Record<EventType, string> = {
  "message.created": "A message arrived in (or was saved to) a folder. `message` is its MessageSummary, or, for an API key without `mail.read` (and the webhooks such a key made), a MessageNotice: that it came, not what it says.",
  "message.updated": "A message was marked read or starred, or moved (then `previousFolderId` is set), or its keywords changed (then `keywords` lists them all; left out for an API key without `mail.read`), or its thread merged into another (a new message joined two threads: `threadId` is the one they now share).",
  "message.deleted": "A message was deleted for good.",
  "folder.counts": "Unread and total counts of the folders that changed.",
  "security.login": "Someone signed in to this account with its password; `newLocation` when from a country or network not seen before.",
  "security.forwarding": "The filters now forward mail to outside addresses they did not before (`added`); `by` says whether a password session or which API key saved them.",
  "security.auth-failures": "Wrong passwords for this account (SMTP submission or the API login) crossed a limit; attempts from `ip` (or from anywhere, when `blocked` is `account`) are refused `until` then.",
  resync: "The client's cursor is older than what is kept: reload the mailbox, then go on from this event's cursor.",
};

component("FolderCounts", FolderCounts);
component(
  "MessageNotice",
  MessageNotice,
  "A new message without what it says: what `message.created` carries to an API key without `mail.read` (its listeners and its webhooks). Ids, folder, thread, time, size and flags; no subject, from, to, snippet or keywords. Fetching the message needs `mail.read`.",
);
const eventEnvelopes = eventTypes.map((type) => {
  component(eventComponentName(type, "Data"), EventData[type], eventDescriptions[type]);
  return component(
    eventComponentName(type, "Event"),
    z.object({
      cursor: described(z.number().int(), "Increases with every event; resume with `since=<cursor>`."),
      type: z.literal(type),
      at: described(z.string(), "When it happened, ISO 8601."),
      data: EventData[type],
    }),
    `The \`${type}\` event. ${eventDescriptions[type]}`,
  );
});
const ClientEvent = component(
  "ClientEvent",
  z.discriminatedUnion("type", eventEnvelopes as unknown as [z.ZodObject<{ type: z.ZodLiteral<EventType> }>]),
  "A mailbox event, told apart by `type`.",
  { discriminator: { propertyName: "type", mapping: Object.fromEntries(eventTypes.map((t) => [t, `#/components/schemas/${eventComponentName(t, "Event")}`])) } },
);
component("EventsPage", z.object({ events: z.array(ClientEvent), cursor: described(z.number().int(), "Pass as `since` next time (also when `events` is empty).") }));
const LoginRecord = component(
  "LoginRecord",
  EventData["security.login"].omit({ via: true }).extend({ at: z.string(), sessionId: z.string() }),
  "A password login to this account: when, from where (Cloudflare's country and network data) and with which client.",
);
component("LoginList", z.object({ logins: z.array(LoginRecord) }), "Recent password logins, newest first.");

const securityEventDescriptions: Record<SecurityEventType, string> = {
  "sign-in.new-location": "A password sign-in from a country or network not seen in this account's sign-ins before.",
  "forwarding.added": "The filters started forwarding mail to outside addresses (`added`); `by` says whether a password session or which API key saved them.",
  "sign-in.blocked": "Wrong passwords (SMTP submission or the API login) crossed a limit; attempts from `ip` (or from anywhere, when `blocked` is `account`) were refused `until` then.",
  "password.changed": "The password was changed, by the user or the operator; every other session was signed out, and every API key and webhook went with the old password (counts).",
  "api-key.created": "An API key was created, by the user or the operator.",
  "api-key.revoked": "An API key was revoked, by the user or the operator.",
  "signed-out-everywhere": "Every session was signed out (POST /api/v1/auth/logout?all=true); by the operator, API keys and webhooks went too.",
};
const securityEvents = securityEventTypes.map((type) =>
  component(
    `Security${eventComponentName(type, "Event")}`,
    z.object({ type: z.literal(type), at: described(z.string(), "When it happened, ISO 8601."), data: SecurityEventData[type] }),
    securityEventDescriptions[type],
  ),
);
const SecurityEvent = component(
  "SecurityEvent",
  z.discriminatedUnion("type", securityEvents as unknown as [z.ZodObject<{ type: z.ZodLiteral<SecurityEventType> }>]),
  "An entry of the account's recent security activity, told apart by `type`.",
  { discriminator: { propertyName: "type", mapping: Object.fromEntries(securityEventTypes.map((t) => [t, `#/components/schemas/Security${eventComponentName(t, "Event")}`])) } },
);
component("SecurityEventList", z.object({ events: z.array(SecurityEvent) }), "The last 90 days of security activity, newest first (at most 200 entries).");

// Standard Webhooks' body for each type a webhook can subscribe to: `data` is the event's data plus
// its cursor, to catch up through the events API after the endpoint was down (GET /api/v1/events?since=).
for (const type of api.WebhookEventType.options) {
  component(
    eventComponentName(type, "Webhook"),
    z.object({
      type: z.literal(type),
      timestamp: described(z.string(), "When the event happened, ISO 8601."),
      data: EventData[type].extend({ cursor: described(z.number().int(), "The event's cursor in the events API.") }),
    }),
    `The body of a \`${type}\` webhook delivery.`,
  );
}

/** JSON Schema of every component, by name, with $refs to `#/components/schemas/<name>`. */
export function componentSchemas(): Record<string, JsonSchema> {
  // io "input": request bodies then show their defaults as optional fields, and answers (which have
  // no defaults or transforms) read the same either way, without closing objects to added fields.
  const { schemas } = z.toJSONSchema(registry, { target: "draft-2020-12", io: "input", metadata: registry, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, tidy(schema) as JsonSchema]));
}

export type JsonSchema = { [key: string]: unknown };

/** Drops what does not belong inside an OpenAPI component: each one's $schema and $id (the document's
 * dialect is 2020-12 already), and the ±2^53 bounds zod puts on every integer. */
function tidy(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => tidy(v, false));
  if (typeof value !== "object" || value === null) return value;
  const out: JsonSchema = {};
  for (const [key, v] of Object.entries(value)) {
    if (top && (key === "$schema" || key === "$id")) continue;
    if ((key === "minimum" || key === "maximum") && Math.abs(v as number) === Number.MAX_SAFE_INTEGER) continue;
    out[key] = tidy(v, false);
  }
  return out;
}
