// The edge→core contract: every route of the core's signed internal API (/internal/v1, core/src/api)
// that the edge calls, with its path and the zod schemas of its query, body and answer. The edge's core
// client builds each request from it and gets the answer's type; the core serves each route at the
// contract's method and path and reads the request with the same schemas, so the tiers cannot drift
// apart. Where a shape is the public API's, the public schema (api.ts) is reused; what only the two
// tiers exchange is defined here. (The other direction, a core's events pushed to the edge, is
// EventNotification in events.ts.)
import { z } from "zod";
import {
  Account,
  Attachment,
  ContactList,
  ContactsQuery,
  DeleteResult,
  DraftRequest,
  DraftSaved,
  FolderList,
  Id,
  KeywordList,
  LoginRequest,
  Message,
  MessagePage,
  MessagePatch,
  MessagesDelete,
  MessagesDeleted,
  MessagesPatch,
  MessagesPatched,
  MessageSummary,
  PageQuery,
  PasswordChange,
  SearchPage,
  SearchQuery,
  SendRequest,
  Thread,
  UserIdentity,
} from "./api.ts";
import { CoreEvent } from "./events.ts";
import { Filters, FilterSaver, FilterSettings, SieveUpload } from "./filters.ts";
import { limits } from "./limits.ts";

/** The user's event seq after a mailbox change, on the core's answer to every route that changes the
 * mailbox: the edge then knows which seq already includes what its client just did. */
export const EVENT_SEQ_HEADER = "x-edgemail-event-seq";

// ── shapes only the two tiers exchange ─────────────────────────────────────

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The public login body, plus the client's address the edge saw (counted per address; without it
 * only the account's limit applies). */
export const InternalLoginRequest = LoginRequest.extend({ ip: z.string().max(64, "ip must be at most 64 characters").default("unknown") });
export type InternalLoginRequest = z.infer<typeof InternalLoginRequest>;

/** Where the edge finds an attachment's bytes in R2. */
export const AttachmentLocation = Attachment.extend({ blobKey: z.string() });
export type AttachmentLocation = z.infer<typeof AttachmentLocation>;

/** An attachment as the edge resolved it from its id (api.ts' AttachmentRef): the content address and what to call it. */
export const ResolvedAttachment = z.object({ sha256: sha256Hex, size: z.number().int().min(0), filename: z.string(), contentType: z.string() });
export type ResolvedAttachment = z.infer<typeof ResolvedAttachment>;

/** What travels from the edge to the core (through the outgoing queue) for a message sent by the API. */
export const OutboundSubmission = z.object({
  messageId: Id,
  createdAt: z.number().int(),
  message: SendRequest,
  attachments: z.array(ResolvedAttachment),
});
export type OutboundSubmission = z.infer<typeof OutboundSubmission>;

/** The core's answer to a submission: spooled now, or already taken before (the id is taken once). */
export const SubmissionAccepted = z.object({ id: Id, status: z.enum(["accepted", "duplicate"]) });

/** Asked while the client waits: the daily quota and the Idempotency-Key, before the queue has the message. */
export const SendReservation = z.object({
  idempotencyKey: z.string().min(1).max(255).optional(),
  requestHash: sha256Hex,
  recipients: z.number().int().min(1).max(limits.maxRecipients),
  from: z.string().optional(),
});
export type SendReservation = z.infer<typeof SendReservation>;

/** A cancelled held send gives back the recipients it reserved of its day's quota. */
export const SendRelease = z.strictObject({ recipients: z.number().int().min(1).max(limits.maxRecipients) });
export const SendReleased = z.object({ released: z.number().int().min(0) });

export const Reservation = z.object({
  messageId: Id,
  /** A request with this Idempotency-Key was accepted before: nothing new is sent. */
  duplicate: z.boolean(),
});
export type Reservation = z.infer<typeof Reservation>;

/** A send that is not held, straight to the sender's core while the client waits: reserved (quota,
 * Idempotency-Key) and spooled in one call, so the 202 follows the core's fsync. */
export const DirectSend = z.object({
  idempotencyKey: SendReservation.shape.idempotencyKey,
  requestHash: sha256Hex,
  message: SendRequest,
  attachments: z.array(ResolvedAttachment),
});
export type DirectSend = z.infer<typeof DirectSend>;

/** PUT of a draft: the compose request and its attachments as the edge resolved them. */
export const DraftSave = z.object({ draft: DraftRequest, attachments: z.array(ResolvedAttachment) });
export type DraftSave = z.infer<typeof DraftSave>;

export const ScanRequest = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in hex") });
export const ScanResult = z.object({ virusScan: z.enum(["clean", "unscanned"]) });

/** A message the outgoing queue could not hand to its core, kept for the operator (`cli queue errors`). */
export const QueueError = z.object({ id: z.string().min(1).max(200), userId: z.string().max(100), messageId: z.string().max(100), reason: z.string().max(2000) });
export type QueueError = z.infer<typeof QueueError>;

const wholeNumber = (field: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be between ${min} and ${max}`)
    .max(max, `${field} must be between ${min} and ${max}`);

export const EventsSince = z.strictObject({
  since: wholeNumber("since", 0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber("limit", 1, 1000).default(500),
});

export const HeadQuery = z.strictObject({ limit: wholeNumber("limit", 1, 200).default(50) });

/** CoreEvent's schema typed as the events it reads (events.ts builds the union from a list of types,
 * which zod's inference cannot follow). */
const CoreEventSchema = CoreEvent as unknown as z.ZodType<CoreEvent>;

/** GET …/events?since=<seq>&limit=<n>: what a Durable Object missed. */
export const CoreEventsPage = z.object({
  /** Events with seq > since, oldest first. */
  events: z.array(CoreEventSchema),
  /** The user's latest seq. */
  seq: z.number().int(),
  /** True when events after `since` were already pruned: the reader must rebuild from the head. */
  gap: z.boolean(),
});
export type CoreEventsPage = z.infer<typeof CoreEventsPage>;

/** GET …/head?limit=<n>: one consistent snapshot, where a Durable Object starts (or restarts after a gap). */
export const CoreHead = z.object({
  /** The latest seq included in this snapshot. */
  seq: z.number().int(),
  folders: FolderList.shape.folders,
  /** The first page of the inbox, newest first. */
  inbox: z.array(MessageSummary),
  /** Whether the inbox has more than `inbox`. */
  inboxHasMore: z.boolean(),
});
export type CoreHead = z.infer<typeof CoreHead>;

/** Where an address is homed; `moving`: its user is being moved to another region just now. */
export const AddressHome = z.object({ region: z.string(), moving: z.boolean() });

// ── the routes ─────────────────────────────────────────────────────────────

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface CoreRoute<
  Path extends string = string,
  Query extends z.ZodType | undefined = z.ZodType | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
  Answer extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** As Hono matches it: each `:name` segment is a path parameter. */
  path: Path;
  /** The query string's parameters as the core reads them (undefined: none). */
  query: Query;
  /** The JSON body (undefined: none). */
  body: Body;
  /** The answer's JSON on success. */
  answer: Answer;
}

function route<const Path extends string, Answer extends z.ZodType, Query extends z.ZodType | undefined = undefined, Body extends z.ZodType | undefined = undefined>(r: {
  method: Method;
  path: Path;
  query?: Query;
  body?: Body;
  answer: Answer;
}): CoreRoute<Path, Query, Body, Answer> {
  return { method: r.method, path: r.path, query: r.query as Query, body: r.body as Body, answer: r.answer };
}

const user = "/internal/v1/users/:userId";

/** Routes marked "change" answer with EVENT_SEQ_HEADER. */
export const coreApi = {
  /** The directory's core checks a password (limits as for SMTP AUTH) and says who the user is. */
  login: route({ method: "POST", path: "/internal/v1/auth/login", body: InternalLoginRequest, answer: UserIdentity }),
  /** With several regions: the home region of an address, named by its pointer (address-pointer.ts)
   * in the global directory, which any region's core reads; 404 for an address homed nowhere. */
  home: route({ method: "GET", path: "/internal/v1/homes/:pointer", answer: AddressHome }),
  account: route({ method: "GET", path: `${user}/account`, answer: Account }),
  folders: route({ method: "GET", path: `${user}/folders`, answer: FolderList }),
  keywords: route({ method: "GET", path: `${user}/keywords`, answer: KeywordList }),
  folderMessages: route({ method: "GET", path: `${user}/folders/:folder/messages`, query: PageQuery, answer: MessagePage }),
  thread: route({ method: "GET", path: `${user}/threads/:id`, answer: Thread }),
  message: route({ method: "GET", path: `${user}/messages/:id`, answer: Message }),
  /** change; a move into or out of Junk also teaches the spam filter. */
  updateMessage: route({ method: "PATCH", path: `${user}/messages/:id`, body: MessagePatch, answer: MessageSummary }),
  /** change: one patch to many messages. */
  updateMessages: route({ method: "PATCH", path: `${user}/messages`, body: MessagesPatch, answer: MessagesPatched }),
  /** change: into Trash, or out of Trash for good. */
  deleteMessage: route({ method: "DELETE", path: `${user}/messages/:id`, answer: DeleteResult }),
  /** change: many at once, each into Trash or (already there) out of it for good. */
  deleteMessages: route({ method: "POST", path: `${user}/messages/delete`, body: MessagesDelete, answer: MessagesDeleted }),
  /** change: to Junk, and the spam filter learns it. */
  reportSpam: route({ method: "POST", path: `${user}/messages/:id/report-spam`, answer: MessageSummary }),
  /** change: out of Junk to the inbox, and the spam filter learns it. */
  notSpam: route({ method: "POST", path: `${user}/messages/:id/not-spam`, answer: MessageSummary }),
  attachment: route({ method: "GET", path: `${user}/messages/:id/attachments/:attachmentId`, answer: AttachmentLocation }),
  filters: route({ method: "GET", path: `${user}/filters`, answer: Filters }),
  /** change; the query says who saves (the signature covers it): a new outside forward needs the right to. */
  saveFilterRules: route({ method: "PUT", path: `${user}/filters`, query: FilterSaver, body: FilterSettings, answer: Filters }),
  /** change; as saveFilterRules, with a Sieve script of the user's own. */
  saveSieve: route({ method: "PUT", path: `${user}/filters/sieve`, query: FilterSaver, body: SieveUpload, answer: Filters }),
  search: route({ method: "GET", path: `${user}/search`, query: SearchQuery, answer: SearchPage }),
  contacts: route({ method: "GET", path: `${user}/contacts`, query: ContactsQuery, answer: ContactList }),
  /** An upload the edge put into R2, scanned for viruses before the client gets its id (422 if infected). */
  scanUpload: route({ method: "POST", path: `${user}/attachments/scan`, body: ScanRequest, answer: ScanResult }),
  /** 202 once spooled; a repeated Idempotency-Key answers the first send's id, `duplicate`, and sends nothing new. */
  send: route({ method: "POST", path: `${user}/outbox/messages`, body: DirectSend, answer: Reservation }),
  /** A held send's reservation ("undo send"): the queue brings the message to `submit` when the hold ends. */
  reserveSend: route({ method: "POST", path: `${user}/outbox/reservations`, body: SendReservation, answer: Reservation }),
  /** A held send the user cancelled ("undo send"): its recipients go back to the day's quota (the day
   * its id was minted), once; the edge asks only when the hub has just cancelled it. */
  releaseSend: route({ method: "POST", path: `${user}/outbox/reservations/:id/release`, body: SendRelease, answer: SendReleased }),
  /** From the outgoing queue's consumer: 202 accepted, 200 a duplicate. */
  submit: route({ method: "POST", path: `${user}/outbox`, body: OutboundSubmission, answer: SubmissionAccepted }),
  /** change */
  saveDraft: route({ method: "PUT", path: `${user}/drafts/:id`, body: DraftSave, answer: DraftSaved }),
  /** 403 when the current password is wrong. */
  changePassword: route({ method: "POST", path: `${user}/password`, body: PasswordChange, answer: z.object({ changed: z.literal(true) }) }),
  events: route({ method: "GET", path: `${user}/events`, query: EventsSince, answer: CoreEventsPage }),
  head: route({ method: "GET", path: `${user}/head`, query: HeadQuery, answer: CoreHead }),
  /** From the outgoing-errors queue's consumer. */
  queueError: route({ method: "POST", path: "/internal/v1/queue-errors", body: QueueError, answer: z.object({ recorded: z.literal(true) }) }),
} as const;

// ── calling a route ────────────────────────────────────────────────────────

/** The parameters a path pattern names: `/users/:userId/messages/:id` → { userId, id }. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<Rest>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : unknown;

/** What a call of a route gives: its path parameters, its query as the core will read it, its body. */
export type CoreRequest<R extends CoreRoute> = { params: PathParams<R["path"]> } & (R["query"] extends z.ZodType ? { query: z.output<R["query"]> } : unknown) &
  (R["body"] extends z.ZodType ? { body: z.input<R["body"]> } : unknown);

/** The answer of a route, as its schema reads it. */
export type CoreAnswer<R extends CoreRoute> = z.output<R["answer"]>;

/** The path and query string of a call: each parameter percent-encoded into its segment, and the query
 * written so that the route's query schema reads back the values given (numbers and booleans as text,
 * a list comma-separated, an absent value left out). */
export function corePath<R extends CoreRoute>(route: R, request: CoreRequest<R>): string {
  const params = request.params as Record<string, string | undefined>;
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`corePath: ${route.path} needs :${name}`);
    return encodeURIComponent(value);
  });
  if (!("query" in request)) return path;
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (value !== undefined) qs.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const query = qs.toString();
  return query ? `${path}?${query}` : path;
}
