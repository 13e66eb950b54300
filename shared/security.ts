// The user's recent security activity (GET /api/v1/security/events), as Gmail's "Recent security
// activity" lists it: what a user checks after a scare, kept 90 days by their Durable Object. Some
// entries come from mailbox events (a new forward, blocked password guessing), the others are born at
// the edge (sign-ins from somewhere new, password changes, API keys, signing out everywhere).
import { z } from "zod";
import { Scope } from "./api.ts";
import { EventData } from "./events.ts";

/** Who did it: the user (a password session) or the operator (the admin CLI). */
const By = z.enum(["user", "operator"]);

/** What signing out everywhere (or a password change) took away. */
const Revoked = z.object({
  /** Password sessions signed out. */
  sessions: z.number().int(),
  apiKeysRevoked: z.number().int(),
  webhooksRemoved: z.number().int(),
});

export const SecurityEventData = {
  /** A password sign-in from a country or network not seen in the sign-ins before. */
  "sign-in.new-location": EventData["security.login"].omit({ newLocation: true, via: true }),
  /** The filters started forwarding mail to outside addresses (`added`). */
  "forwarding.added": EventData["security.forwarding"],
  /** Wrong passwords crossed a limit and further attempts are refused for a while. */
  "sign-in.blocked": EventData["security.auth-failures"],
  /** The password changed; every other session, every API key and every webhook went with the old one. */
  "password.changed": Revoked.extend({ by: By }),
  "api-key.created": z.object({ id: z.string(), name: z.string(), scopes: z.array(Scope), by: By }),
  "api-key.revoked": z.object({ id: z.string(), name: z.string(), by: By }),
  /** Every session signed out (POST /auth/logout?all=true), or by the operator everything revoked. */
  "signed-out-everywhere": Revoked.extend({ by: By }),
} as const;

export type SecurityEventType = keyof typeof SecurityEventData;
export const securityEventTypes = Object.keys(SecurityEventData) as SecurityEventType[];
export type SecurityEventDataOf<T extends SecurityEventType> = z.infer<(typeof SecurityEventData)[T]>;

export type SecurityEvent = { [T in SecurityEventType]: { type: T; at: string; data: SecurityEventDataOf<T> } }[SecurityEventType];

/** The list's schema, for the OpenAPI document and the contract tests. */
export const SecurityEventSchema = z.discriminatedUnion(
  "type",
  securityEventTypes.map((type) => z.object({ type: z.literal(type), at: z.string(), data: SecurityEventData[type] })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<SecurityEventType> }>,
  ],
);

export const SecurityEventList = z.object({ events: z.array(SecurityEventSchema) });

/** How long the list remembers, as Gmail's does (and as the sign-in history). */
export const SECURITY_EVENTS_KEEP_MS = 90 * 86_400_000;
