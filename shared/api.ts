// The public API contract (/api/v1), shared by the edge (which validates requests) and the core
// (which produces the answers). Integrators' OpenAPI document is generated from these schemas. What only
// the edge and the core exchange is in internal-api.ts.
import { z } from "zod";
import { normalizeAddress } from "./address.ts";
import { isUuidv7 } from "./ids.ts";
import { limits } from "./limits.ts";

export const Id = z.string().refine(isUuidv7, { message: "must be an id returned by this API" });

export const FolderRole = z.enum(["inbox", "sent", "drafts", "trash", "junk", "archive"]);
export type FolderRole = z.infer<typeof FolderRole>;
export const folderRoles = FolderRole.options;

/** A folder reference in a path: its id, or its role (`inbox`, `sent`, …) for convenience. */
export const FolderRef = z.union([Id, FolderRole], { message: "must be a folder id or a role such as inbox" });

export const LoginRequest = z.strictObject({
  address: z
    .string({ message: "address is required" })
    .max(limits.maxAddressLength)
    .refine((a) => normalizeAddress(a) !== null, { message: "must be a mail address such as alice@example.test" }),
  password: z.string({ message: "password is required" }).min(1, "password is required").max(limits.maxPasswordLength),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /api/v1/account/password: the current password again (a stolen session alone cannot change
 * it), and the new one. */
export const PasswordChange = z
  .strictObject({
    currentPassword: z.string({ message: "currentPassword is required" }).min(1, "currentPassword is required").max(limits.maxPasswordLength),
    newPassword: z
      .string({ message: "newPassword is required" })
      .min(limits.minPasswordLength, `must have at least ${limits.minPasswordLength} characters`)
      .max(limits.maxPasswordLength, `must have at most ${limits.maxPasswordLength} characters`),
  })
  .refine((p) => p.newPassword !== p.currentPassword, { path: ["newPassword"], message: "must differ from the current password" });
export type PasswordChange = z.infer<typeof PasswordChange>;

export const UserIdentity = z.object({ id: Id, address: z.string(), region: z.string() });
export type UserIdentity = z.infer<typeof UserIdentity>;

export const LoginResponse = z.object({
  token: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int(),
  user: UserIdentity,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const Account = z.object({
  id: Id,
  address: z.string(),
  region: z.string(),
  quota: z.object({ usedBytes: z.number().int(), limitBytes: z.number().int(), messages: z.number().int() }),
});
export type Account = z.infer<typeof Account>;

export const Folder = z.object({
  id: Id,
  name: z.string(),
  role: FolderRole.nullable(),
  unread: z.number().int(),
  total: z.number().int(),
});
export type Folder = z.infer<typeof Folder>;

export const FolderList = z.object({ folders: z.array(Folder) });
export type FolderList = z.infer<typeof FolderList>;

/** The keywords the user's messages carry (labels a filter, a mail app or the API set, and IMAP's
 * `$Junk`-style ones), each with how many messages carry it and how many of those are unread; counted
 * case-insensitively, as IMAP compares them, and spelled as one of its messages spells it. */
export const KeywordList = z.object({ keywords: z.array(z.object({ keyword: z.string(), total: z.number().int(), unread: z.number().int() })) });
export type KeywordList = z.infer<typeof KeywordList>;

export const MailAddress = z.object({ name: z.string(), address: z.string() });
export type MailAddress = z.infer<typeof MailAddress>;

export const MessageSummary = z.object({
  id: Id,
  folderId: Id,
  receivedAt: z.string(),
  from: MailAddress.nullable(),
  to: z.array(MailAddress),
  subject: z.string(),
  snippet: z.string(),
  size: z.number().int(),
  read: z.boolean(),
  starred: z.boolean(),
  hasAttachments: z.boolean(),
  /** The conversation: equal for every message of a thread (GET /api/v1/threads/{threadId}). */
  threadId: Id,
  /** IMAP keywords set on the message: labels from filters, `$NotJunk`, `$Junk` … */
  keywords: z.array(z.string()),
});
export type MessageSummary = z.infer<typeof MessageSummary>;

/** A row of a folder listing; listed one row per thread, it also tells the thread's size. */
export const ListedMessage = MessageSummary.extend({ threadSize: z.number().int().min(1).optional() });
export type ListedMessage = z.infer<typeof ListedMessage>;

export const MessagePage = z.object({ messages: z.array(ListedMessage), nextCursor: z.string().nullable() });
export type MessagePage = z.infer<typeof MessagePage>;

export const Thread = z.object({
  id: Id,
  /** The subject of its oldest message. */
  subject: z.string(),
  /** Oldest first; the newest `limits.maxThreadMessages` of them when it has more. */
  messages: z.array(MessageSummary),
  messageCount: z.number().int(),
  unread: z.number().int(),
});
export type Thread = z.infer<typeof Thread>;

export const Attachment = z.object({
  id: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  disposition: z.enum(["attachment", "inline"]),
  contentId: z.string().nullable(),
  /** Set when opening it could harm the reader's computer: a client should warn first. */
  risk: z
    .object({
      reason: z.enum(["executable", "macro-document", "double-extension", "misleading-name", "archive-with-executable"]),
      detail: z.string(),
    })
    .nullable(),
});
export type Attachment = z.infer<typeof Attachment>;

const AuthResult = z.enum(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]);

/** What the receiving server concluded about the sender (SPF, DKIM, DMARC, ARC); null for mail
 * this service wrote itself (Sent, drafts, bounces). */
export const Authentication = z.object({
  /** DMARC passed for the From domain: the sender really is that domain. A client may warn when false. */
  senderVerified: z.boolean(),
  fromDomain: z.string().nullable(),
  spf: AuthResult,
  dkim: AuthResult,
  dmarc: AuthResult,
  arc: AuthResult,
});
export type Authentication = z.infer<typeof Authentication>;

export const SpamVerdict = z.object({
  score: z.number(),
  /** The checks that fired, as in X-Spam-Status. */
  tests: z.array(z.string()),
});
export type SpamVerdict = z.infer<typeof SpamVerdict>;

export const Message = MessageSummary.extend({
  cc: z.array(MailAddress),
  replyTo: z.array(MailAddress),
  date: z.string().nullable(),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  attachments: z.array(Attachment),
  authentication: Authentication.nullable(),
  spam: SpamVerdict.nullable(),
  /** "unscanned" when no virus scanner was configured or it could not answer. */
  virusScan: z.enum(["clean", "unscanned"]).nullable(),
});
export type Message = z.infer<typeof Message>;

/** An IMAP keyword (RFC 3501 atom: printable ASCII without space ( ) { % * " \ ]), as JMAP's
 * Email keywords are too. `$seen` and `$flagged` are JMAP's names of `read` and `starred`, which are
 * fields of their own: refused here, so that each state has one way to be set and one to be read. */
const KEYWORD_ATOM = /^[^\u0000-\u0020\u007f-\uffff(){%*"\\\]]+$/;
const FLAG_FIELDS: Record<string, string> = { $seen: "read", $flagged: "starred" };
export const Keyword = z
  .string()
  .min(1, "must not be empty")
  .max(limits.maxKeywordLength, `must have at most ${limits.maxKeywordLength} characters`)
  .regex(KEYWORD_ATOM, 'must be an IMAP keyword: printable ASCII without spaces or ( ) { % * " \\ ]')
  .superRefine((k, ctx) => {
    const field = FLAG_FIELDS[k.toLowerCase()];
    if (field) ctx.addIssue({ code: "custom", message: `${k} is the ${field} field: set ${field} instead` });
  });

/** Keywords to add and to remove (case-insensitively, as IMAP compares them): the patch JMAP's
 * Email/set sends as `keywords/$label: true | null`, and what IMAP's STORE +FLAGS/-FLAGS does. Two
 * clients labelling the same message at once both keep their label, which replacing the whole list
 * would not guarantee. */
export const KeywordsPatch = z
  .strictObject({
    add: z.array(Keyword).max(limits.maxKeywordsPerMessage).optional(),
    remove: z.array(Keyword).max(limits.maxKeywordsPerMessage).optional(),
  })
  .superRefine((p, ctx) => {
    const adding = new Set((p.add ?? []).map((k) => k.toLowerCase()));
    (p.remove ?? []).forEach((k, i) => {
      if (adding.has(k.toLowerCase())) ctx.addIssue({ code: "custom", path: ["remove", i], message: "is also in add" });
    });
  });
export type KeywordsPatch = z.infer<typeof KeywordsPatch>;

export const MessagePatch = z
  .strictObject({
    read: z.boolean().optional(),
    starred: z.boolean().optional(),
    folderId: FolderRef.optional(),
    keywords: KeywordsPatch.optional(),
  })
  .refine((p) => p.read !== undefined || p.starred !== undefined || p.folderId !== undefined || p.keywords !== undefined, {
    message: "give at least one of read, starred, folderId, keywords",
  });
export type MessagePatch = z.infer<typeof MessagePatch>;

/** The same change to many messages at once (Gmail's batchModify, JMAP's Email/set with many
 * updates): what "select all, then archive / mark read / label" sends. */
export const MessagesPatch = z.strictObject({
  ids: z
    .array(Id)
    .min(1, "name at least one message")
    .max(limits.maxBulkMessages, `at most ${limits.maxBulkMessages} messages at once`)
    .refine((ids) => new Set(ids).size === ids.length, { message: "names a message twice" }),
  patch: MessagePatch,
});
export type MessagesPatch = z.infer<typeof MessagesPatch>;

/** Each named message as it is now, and the ids that name no message of the user's (a stranger's
 * message is not told apart from one that never was). */
export const MessagesPatched = z.object({ updated: z.array(MessageSummary), notFound: z.array(z.string()) });
export type MessagesPatched = z.infer<typeof MessagesPatched>;

export const PageQuery = z.strictObject({
  limit: z.coerce
    .number({ message: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(limits.maxPageSize, `limit must be at most ${limits.maxPageSize}`)
    .default(limits.defaultPageSize),
  cursor: z.string().max(200).optional(),
  /** One row per thread: each thread's newest message in the folder, with `threadSize`. */
  collapseThreads: z
    .enum(["true", "false"], { message: "collapseThreads must be true or false" })
    .transform((v) => v === "true")
    .optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

// ── contacts ───────────────────────────────────────────────────────────────

export const ContactsQuery = z.strictObject({
  /** A prefix of the address, the name or a word of the name, in any case; empty: the most mailed. */
  q: z.string({ message: "q must be text" }).trim().max(limits.maxAddressLength, `q must be at most ${limits.maxAddressLength} characters`).default(""),
  limit: z.coerce
    .number({ message: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(50, "limit must be at most 50")
    .default(10),
});
export type ContactsQuery = z.infer<typeof ContactsQuery>;

/** Someone the user has mailed (to, cc or bcc of a message in Sent). */
export const Contact = z.object({
  address: z.string(),
  /** The display name last used for the address ("" when none was). */
  name: z.string(),
  /** How many of the user's sent messages went to the address. */
  timesMailed: z.number().int(),
  lastMailedAt: z.string(),
});
export type Contact = z.infer<typeof Contact>;

export const ContactList = z.object({ contacts: z.array(Contact) });
export type ContactList = z.infer<typeof ContactList>;

// ── remote content ─────────────────────────────────────────────────────────

export const RemoteContentQuery = z.strictObject({
  /** An absolute http(s) URL of an image a message links to. */
  url: z.string({ message: "url is required: the absolute http(s) URL of the image" }).min(1, "url is required: the absolute http(s) URL of the image").max(8192, "url must be at most 8192 characters"),
});
export type RemoteContentQuery = z.infer<typeof RemoteContentQuery>;

// ── search ─────────────────────────────────────────────────────────────────

export const SearchSort = z.enum(["date", "relevance"], { message: "sort must be date or relevance" });
export type SearchSort = z.infer<typeof SearchSort>;

export const SearchQuery = z.strictObject({
  /** Words, "phrases" and Gmail's operators: from: to: cc: subject: filename: has:attachment in:
   * is:unread|read|starred before: after: older_than: newer_than: larger: smaller:, -negation, OR, (). */
  q: z
    .string({ message: "q is required: the words to look for" })
    .trim()
    .min(1, "q is required: the words to look for")
    .max(limits.maxSearchQueryLength, `q must be at most ${limits.maxSearchQueryLength} characters`),
  limit: PageQuery.shape.limit,
  cursor: z.string().max(500).optional(),
  /** `date`: newest first (the default); `relevance`: best match first (bm25) among the newest
   * `limits.searchRelevanceWindow` matches. */
  sort: SearchSort.default("date"),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchResult = MessageSummary.extend({
  /** The folder the message is in now. */
  folder: z.object({ id: Id, name: z.string(), role: FolderRole.nullable() }),
  /** HTML: the body text around the first match, escaped, each match in `<mark>…</mark>`. Safe to
   * render as HTML (only `<mark>` is markup); `snippet` stays the plain start of the message. */
  highlight: z.string(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchPage = z.object({ messages: z.array(SearchResult), nextCursor: z.string().nullable() });
export type SearchPage = z.infer<typeof SearchPage>;

export const DeleteResult = z.object({ id: Id, deleted: z.enum(["moved-to-trash", "permanently"]) });
export type DeleteResult = z.infer<typeof DeleteResult>;

/** Many messages deleted at once ("select, then Delete"): the same list rules as MessagesPatch. */
export const MessagesDelete = z.strictObject({ ids: MessagesPatch.shape.ids });
export type MessagesDelete = z.infer<typeof MessagesDelete>;

/** Which went to Trash, which (already in Trash) went for good, and the ids that name no message of the user's. */
export const MessagesDeleted = z.object({ trashed: z.array(Id), deleted: z.array(Id), notFound: z.array(z.string()) });
export type MessagesDeleted = z.infer<typeof MessagesDeleted>;

// ── sending ────────────────────────────────────────────────────────────────

/** Text that goes into a header: a line break or NUL in it could forge headers, so it is refused. */
const headerText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !/[\r\n\0]/.test(v), { message: "must not contain line breaks or NUL" });

export const MailAddressInput = z.union([
  z.string().refine((a) => normalizeAddress(a) !== null, { message: "must be a mail address such as bob@example.org" }),
  z.strictObject({
    name: headerText(200).optional(),
    address: z.string().refine((a) => normalizeAddress(a) !== null, { message: "must be a mail address such as bob@example.org" }),
  }),
]);
export type MailAddressInput = z.infer<typeof MailAddressInput>;

export const AttachmentRef = z.strictObject({
  /** As returned by POST /api/v1/attachments. */
  id: z.string().min(1).max(2000),
  filename: headerText(255).optional(),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, "must be a media type such as application/pdf")
    .optional(),
});

const composeFields = {
  from: z.strictObject({ name: headerText(200).optional(), address: z.string().optional() }).optional(),
  to: z.array(MailAddressInput).max(limits.maxRecipients).default([]),
  cc: z.array(MailAddressInput).max(limits.maxRecipients).default([]),
  bcc: z.array(MailAddressInput).max(limits.maxRecipients).default([]),
  subject: headerText(998).default(""),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(AttachmentRef).max(100).default([]),
  /** The id (in this API) of the message being answered: In-Reply-To and References follow from it. */
  inReplyTo: Id.optional(),
};

const recipientCount = (m: { to: unknown[]; cc: unknown[]; bcc: unknown[] }) => m.to.length + m.cc.length + m.bcc.length;

export const SendRequest = z
  .strictObject({
    ...composeFields,
    draftId: Id.optional(),
    /** Seconds the service holds the message before sending it, during which DELETE
     * /api/v1/outbox/{id} cancels it ("undo send"); absent or 0: sent at once. */
    holdSeconds: z
      .number({ message: `must be a whole number of seconds from 0 to ${limits.maxHoldSeconds}` })
      .int(`must be a whole number of seconds from 0 to ${limits.maxHoldSeconds}`)
      .min(0, `must be a whole number of seconds from 0 to ${limits.maxHoldSeconds}`)
      .max(limits.maxHoldSeconds, `must be a whole number of seconds from 0 to ${limits.maxHoldSeconds}`)
      .optional(),
  })
  .refine((m) => recipientCount(m) > 0, { message: "give at least one recipient in to, cc or bcc", path: ["to"] })
  .refine((m) => recipientCount(m) <= limits.maxRecipients, { message: `at most ${limits.maxRecipients} recipients in to, cc and bcc together`, path: ["to"] });
export type SendRequest = z.infer<typeof SendRequest>;

export const DraftRequest = z
  .strictObject(composeFields)
  .refine((m) => recipientCount(m) <= limits.maxRecipients, { message: `at most ${limits.maxRecipients} recipients in to, cc and bcc together`, path: ["to"] });
export type DraftRequest = z.infer<typeof DraftRequest>;

export const SendAccepted = z.discriminatedUnion("status", [
  z.object({ id: Id, status: z.literal("queued"), duplicate: z.boolean() }),
  /** Held until `sendAt` (ISO 8601); until then DELETE /api/v1/outbox/{id} cancels it. */
  z.object({ id: Id, status: z.literal("held"), sendAt: z.string(), duplicate: z.boolean() }),
]);
export type SendAccepted = z.infer<typeof SendAccepted>;

/** PUT /api/v1/drafts/{id}: saved in Drafts under the client's id. */
export const DraftSaved = z.object({ id: Id });
export type DraftSaved = z.infer<typeof DraftSaved>;

/** DELETE /api/v1/outbox/{id}: the held send will not go out. */
export const SendCancelled = z.object({ id: Id, status: z.literal("cancelled") });
export type SendCancelled = z.infer<typeof SendCancelled>;

export const UploadedAttachment = z.object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number().int() });
export type UploadedAttachment = z.infer<typeof UploadedAttachment>;

// ── integrators: API keys and webhooks ──────────────────────────────────────

/** What an API key may do. Password sessions may do everything. `mail.forward` lets a key save filters
 * that forward mail to an address outside the user's own (with `mail.manage`, it may only keep the
 * forwards already saved): silent forwarding is what a thief sets up first in a mailbox. */
export const Scope = z.enum(["mail.read", "mail.send", "mail.manage", "mail.forward", "events"]);
export type Scope = z.infer<typeof Scope>;
export const allScopes = Scope.options;

export const ApiKeyCreate = z.strictObject({
  name: headerText(100).min(1, "name is required"),
  scopes: z.array(Scope).min(1, "give at least one scope").max(allScopes.length),
  /** Seconds until the key stops working; none: until revoked. */
  expiresIn: z.number().int().min(60).max(5 * 365 * 86_400).optional(),
});
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;

export const ApiKeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(Scope),
  /** The first characters of the key, to tell keys apart; the key itself is shown once. */
  prefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

/** The answer to creating a key: the only time `key` is ever shown. */
export const ApiKeyCreated = ApiKeyInfo.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

export const WebhookEventType = z.enum(["message.created"]);

export const WebhookCreate = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(2000),
  events: z.array(WebhookEventType).min(1).default(["message.created"]),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

/** Who made a webhook: the user in a password session, one of their API keys (deleting the key deletes
 * its webhooks), or nobody known (made before makers were recorded). */
export const WebhookCreator = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user") }),
  z.object({ kind: z.literal("apiKey"), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal("unknown") }),
]);
export type WebhookCreator = z.infer<typeof WebhookCreator>;

export const WebhookInfo = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  createdAt: z.string(),
  createdBy: WebhookCreator,
  /** Whether deliveries carry what a message says (subject, from, to, snippet): only when its maker may
   * read mail (the user, or a key with `mail.read`); else message.created carries a MessageNotice. */
  includesContent: z.boolean(),
});
export type WebhookInfo = z.infer<typeof WebhookInfo>;

/** Creating a webhook shows its signing secret once (Standard Webhooks: `whsec_` + base64). */
export const WebhookCreated = WebhookInfo.extend({ secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

// ── settings ────────────────────────────────────────────────────────────────

export const UndoSendSeconds = z.union([z.literal(0), z.literal(5), z.literal(10), z.literal(20), z.literal(30)], { message: "must be 0, 5, 10, 20 or 30" });
export const Theme = z.enum(["system", "light", "dark"], { message: "must be system, light or dark" });

/** A sender address as a user names it; kept normalized (lower-case domain, as the core compares). */
const SenderAddress = z
  .string()
  .max(limits.maxAddressLength)
  .refine((a) => normalizeAddress(a) !== null, { message: "must be a mail address such as bob@example.org" });

/** What the user chose for their mail clients, kept by the service so every device sees the same. */
export const Settings = z.object({
  /** What a client passes as `holdSeconds` when it sends (0: no undo). */
  undoSendSeconds: UndoSendSeconds,
  /** Senders whose messages may load remote images and other remote content without asking. */
  remoteContent: z.object({ trustedSenders: z.array(z.string()).max(limits.maxTrustedSenders) }),
  theme: Theme,
});
export type Settings = z.infer<typeof Settings>;

export { defaultSettings } from "./settings-defaults.ts";

/** PATCH /api/v1/settings: the fields to change; `remoteContent.trustedSenders` is replaced whole. */
export const SettingsPatch = z
  .strictObject({
    undoSendSeconds: UndoSendSeconds.optional(),
    remoteContent: z
      .strictObject({
        trustedSenders: z.array(SenderAddress).max(limits.maxTrustedSenders, `at most ${limits.maxTrustedSenders} trusted senders`),
      })
      .optional(),
    theme: Theme.optional(),
  })
  .refine((p) => p.undoSendSeconds !== undefined || p.remoteContent !== undefined || p.theme !== undefined, {
    message: "give at least one of undoSendSeconds, remoteContent, theme",
  });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** POST /api/v1/settings/trusted-senders: trust one more sender without rewriting the list (two
 * clients adding at once both count). */
export const TrustedSenderAdd = z.strictObject({ address: SenderAddress });
export type TrustedSenderAdd = z.infer<typeof TrustedSenderAdd>;
