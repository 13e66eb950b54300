// Mailbox events: what the core records with every mailbox change and pushes to the edge, and what
// the edge's per-user Durable Object hands to clients (WebSocket, long-poll, SSE, webhooks).
//
// Two sequences: the core numbers each user's changes (`seq`, per user, assigned in the same shard
// transaction as the change, so it has no gaps and a missing number means a lost notification); the
// Durable Object numbers what it hands out (`cursor`), which also covers events born at the edge
// (security.login). Clients only ever see the cursor.
import { z } from "zod";
import { Folder, Id, MessageSummary } from "./api.ts";

export const FolderCounts = Folder.pick({ id: true, unread: true, total: true });
export type FolderCounts = z.infer<typeof FolderCounts>;

/** A new message as a principal without the `mail.read` scope hears of it (an API key with only
 * `events`, its listeners and its webhooks): that a message arrived, where, when, how big, in which
 * thread and with which flags — never what it says (subject, from, to, snippet) nor the labels the
 * user's filters derived from that (keywords). Fetching the message needs `mail.read` anyway. */
export const MessageNotice = MessageSummary.pick({ id: true, folderId: true, threadId: true, receivedAt: true, size: true, read: true, starred: true, hasAttachments: true });
export type MessageNotice = z.infer<typeof MessageNotice>;

/** message.created as the core records it: always the whole summary. */
const MessageCreated = z.object({ message: MessageSummary });

/** What happened, without its envelope, as clients get it. `data` of each type: */
export const EventData = {
  /** The message's summary; a MessageNotice for a principal without `mail.read`. */
  "message.created": z.object({ message: z.union([MessageSummary, MessageNotice]) }),
  /** The message's state after the change: its flags, its folder, and its thread (which changes when
   * a new message joins its thread with another one); `keywords`, all of them, when the change
   * touched them (left out for a principal without `mail.read`: labels tell what a message is about). */
  "message.updated": z.object({ id: Id, folderId: Id, previousFolderId: Id.optional(), read: z.boolean(), starred: z.boolean(), threadId: Id, keywords: MessageSummary.shape.keywords.optional() }),
  "message.deleted": z.object({ id: Id, folderId: Id }),
  "folder.counts": z.object({ folders: z.array(FolderCounts) }),
  "security.login": z.object({
    ip: z.string(),
    country: z.string().nullable(),
    /** The network: the autonomous system's number and organisation, from the request's `cf` data. */
    asn: z.number().int().nullable(),
    network: z.string().nullable(),
    userAgent: z.string().nullable(),
    /** True when neither this country nor this network was seen in a login before. */
    newLocation: z.boolean(),
    via: z.enum(["password"]),
  }),
  /** The user's filters now forward mail to outside addresses they did not forward to before (a Sieve
   * `redirect` or a rule's forward): the first thing a thief sets up in a hijacked mailbox, so the user
   * is told, as Gmail tells of a new forwarding address. */
  "security.forwarding": z.object({
    /** Outside addresses that now receive copies and did not before. */
    added: z.array(z.string()),
    /** Every outside address the filters forward to now. */
    targets: z.array(z.string()),
    /** Who saved the filters: a password session or an API key (its id). */
    by: z.object({ kind: z.enum(["session", "apiKey"]), id: z.string() }),
  }),
  /** Wrong passwords for this account crossed a limit, so further attempts are refused for a while. */
  "security.auth-failures": z.object({
    /** The door tried: SMTP submission's AUTH, or the API's password login. */
    protocol: z.enum(["submission", "login"]),
    /** Where the failures came from (the last one's client address). */
    ip: z.string(),
    /** Failed attempts counted in the window. */
    failures: z.number().int(),
    /** What is blocked: that client address, or this account from every address. */
    blocked: z.enum(["ip", "account"]),
    /** Until when further attempts are refused, ISO 8601. */
    until: z.string(),
  }),
  /** The client's cursor is older than what is retained: reload the mailbox, then go on from `cursor`. */
  resync: z.object({ reason: z.enum(["cursor-too-old", "unknown-cursor"]) }),
} as const;

export type EventType = keyof typeof EventData;
export const eventTypes = Object.keys(EventData) as EventType[];
/** Events the core produces (the rest are born at the edge). */
export const coreEventTypes = ["message.created", "message.updated", "message.deleted", "folder.counts", "security.forwarding", "security.auth-failures"] as const;
export type CoreEventType = (typeof coreEventTypes)[number];

export type EventDataOf<T extends EventType> = z.infer<(typeof EventData)[T]>;

/** `data` of each type as the core records it (message.created with the whole summary). */
const CoreEventData = { ...EventData, "message.created": MessageCreated } as const;
export type CoreEventDataOf<T extends CoreEventType> = z.infer<(typeof CoreEventData)[T]>;

/** A mailbox change as the core records it (per user, numbered without gaps). */
export const CoreEvent = z.discriminatedUnion(
  "type",
  coreEventTypes.map((type) =>
    z.object({ userId: Id, seq: z.number().int().min(1), at: z.number().int(), type: z.literal(type), data: CoreEventData[type] }),
  ) as unknown as [z.ZodObject<{ type: z.ZodLiteral<CoreEventType> }>],
);
export type CoreEvent = {
  [T in CoreEventType]: { userId: string; seq: number; at: number; type: T; data: CoreEventDataOf<T> };
}[CoreEventType];

/** POST /internal/v1/events on the edge (signed like every internal request): a core's batch. */
export const EventNotification = z.object({
  /** The region of the core that sends it: where a Durable Object fetches what it missed. */
  region: z.string().min(1).max(32),
  events: z.array(CoreEvent).min(1).max(5000),
});
export type EventNotification = { region: string; events: CoreEvent[] };

/** An event as clients get it. */
export interface ClientEvent<T extends EventType = EventType> {
  cursor: number;
  type: T;
  /** ISO 8601. */
  at: string;
  data: EventDataOf<T>;
}

/** The envelope's schema for the OpenAPI document. */
export const ClientEventSchema = z.object({
  cursor: z.number().int(),
  type: z.enum(eventTypes as [EventType, ...EventType[]]),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const EventsQuery = z.strictObject({
  since: z.coerce.number({ message: "since must be a cursor from an earlier event" }).int("since must be a cursor from an earlier event").min(0, "since must be a cursor from an earlier event").optional(),
  timeout: z.coerce
    .number({ message: "timeout must be a number of seconds" })
    .int("timeout must be whole seconds")
    .min(0, "timeout must be between 0 and 60")
    .max(60, "timeout must be between 0 and 60")
    .default(25),
  access_token: z.string().optional(),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventsPage = z.object({ events: z.array(ClientEventSchema), cursor: z.number().int() });
export type EventsPage = { events: ClientEvent[]; cursor: number };
