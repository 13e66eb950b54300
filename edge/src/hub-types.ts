// What the worker and a user's hub hand each other through the Hub interface (platform.ts): below
// both, so that the hub's parts, which store these, and the routes, which make or show them, import
// neither the other nor the Durable Object.

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

/** Where a held send stands: waiting, taken by the consumer (on its way to the core), or cancelled. */
export type HeldState = "held" | "sent" | "cancelled";

export interface HeldSend {
  state: HeldState;
  sendAt: number;
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
