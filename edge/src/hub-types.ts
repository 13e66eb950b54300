// What the worker and a user's hub hand each other through the Hub interface (platform.ts): below
// both, so that the hub's parts, which store these, and the routes, which make or show them, import
// neither the other nor the Durable Object.
import type { Folder, MessagePage, Scope } from "../../shared/api.ts";

/** Where a password login came from (Cloudflare's `cf` data: country and autonomous system). */
export interface LoginOrigin {
  ip: string;
  country: string | null;
  asn: number | null;
  network: string | null;
  userAgent: string | null;
}

export interface LoginRecord extends LoginOrigin {
  at: string;
  sessionId: string;
  newLocation: boolean;
}

/** Who listens for events (WebSocket, stream or long-poll), as the worker authenticated them. */
export interface ListenerPrincipal {
  kind: "session" | "apiKey";
  /** Session id or API key id: revoking it disconnects its listeners. */
  id: string;
  /** When its credential stops being valid (ms), if it does. */
  expiresAt: number | null;
  /** Whether it holds mail.read (scopes.ts readsMail): only then does it get what messages say. A
   * socket's attachment without it (accepted by an older release) counts as false. */
  readsMail: boolean;
}

/** Where a held send stands: waiting, taken by the hub's alarm (on its way to the core), or cancelled. */
export type HeldState = "held" | "sent" | "cancelled";

export interface HeldSend {
  state: HeldState;
  sendAt: number;
  /** What it reserved of the daily quota (0 for a send held before this was recorded). */
  recipients: number;
}

/** What a held send sends, kept with it in the hub: the OutboundSubmission as JSON, or (a large one)
 * the R2 key the edge put that JSON under. */
export interface HeldBody {
  submission?: string;
  bodyKey?: string;
}

/** A cancel's outcome: the state now, and the recipients to give back to the quota (non-zero only
 * for the cancel that changed it). */
export interface HeldCancel {
  state: HeldState;
  release: number;
}

/** Who made a webhook, as stored; "unknown" for those made before makers were recorded. */
export type WebhookMaker = { kind: "user" } | { kind: "apiKey"; id: string } | { kind: "unknown" };

/** Who acted on the user's credentials: the user (a password session) or the operator (the CLI). */
export type Actor = "user" | "operator";

/** What taking the credentials away took. */
export interface Revocation {
  sessions: number;
  apiKeysRevoked: number;
  webhooksRemoved: number;
}

/** A credential the user's hub checks: a password session (against revocation; the token's
 * signature was checked by the worker) or an API key (against its stored hash). */
export type CredentialCheck =
  | { kind: "session"; sessionId: string; userId: string; region: string }
  | { kind: "apiKey"; keyId: string; key: string };

/** What a live API key may do, and whose it is (an API key carries no claims of its own). */
export interface KeyGrant {
  scopes: Scope[];
  expiresAt: number | null;
  region: string;
  address: string;
}

/** A read the hub answers from its inbox head (routes/mailbox.ts). */
export type HubRead = { kind: "folders" } | { kind: "inboxPage"; limit: number };

/** The hub's answer to a HubRead: `page` null when the head does not hold that many rows; `failed`
 * when the hub could not read (its core could not be asked): either way the core answers instead. */
export type HubAnswer = { kind: "folders"; folders: Folder[] } | { kind: "inboxPage"; limit: number; page: MessagePage | null } | { kind: "failed" };

/** A credential that holds, with the answer to the read asked along with it (null when none was, or
 * the credential may not read mail). */
/** A request counted by the hub (hub/request-limits.ts). Null: taken. Otherwise the limit that is
 * full, and the whole seconds until it takes a request. */
export type LimitVerdict = null | { kind: "user" | "key"; retryAfterSeconds: number };

/** The hub's user moved to another region: their hub is that region's (hub/hub-move.ts). */
export interface Moved {
  movedTo: string;
}

export interface Authorization {
  /** Null for a session: its claims are in its token. */
  key: KeyGrant | null;
  answer: HubAnswer | null;
  /** Null: the request was counted and is within the user's and the key's limits. Otherwise the limit
   * it is over (hub/request-limits.ts); such a request gets no answer to its read. */
  limited: LimitVerdict;
}

/** A user's hub state as it moves to another region (hub/hub-move.ts): its hub_meta that moves and the
 * rows of each user-owned table. `empty`: the hub never knew the user (nothing to move, no tombstone). */
export interface HubState {
  meta: Record<string, string>;
  tables: Record<string, Record<string, string | number | null | ArrayBuffer>[]>;
}

/** What the old hub answers when asked for its state: the state, or why it cannot give it now (moved
 * already; held sends still owed to its core). */
export type HubExport = { state: HubState; digest: string } | Moved | { pendingSends: number } | { empty: true };
