// Which API-key scope each /api/v1 route needs. Password sessions hold every scope; managing
// credentials (API keys, sign-out, the password, the login history and security activity) needs a
// password session, never a key.
// One rule is not decided by the route alone: saving filters (`mail.manage`) that add a forward to an
// outside address also needs `mail.forward`. The core decides that, since it parses the Sieve; the
// filter routes tell it who asks, with the principal's scopes (routes/filters.ts).
// What events say depends on a scope too: see contentScope.
import type { Scope } from "../../shared/api.ts";

export type Requirement = Scope | "session";

/** Reading what a message says is mail.read's: `events` (listeners and webhooks) tells a principal
 * without it only that a message arrived (shared/events.ts MessageNotice), never its subject, sender,
 * recipients or snippet. */
export const contentScope: Scope = "mail.read";

export function readsMail(scopes: readonly Scope[]): boolean {
  return scopes.includes(contentScope);
}

/** `path` is relative to /api/v1, e.g. `/messages/123`. */
export function requiredScope(method: string, path: string): Requirement {
  const m = method.toUpperCase();
  if (path.startsWith("/api-keys") || path.startsWith("/auth/") || path.startsWith("/security/") || path === "/account/password") return "session";
  if (path.startsWith("/events") || path.startsWith("/webhooks")) return "events";
  if (m === "POST" && (path === "/messages" || path === "/attachments")) return "mail.send";
  // Undoing a send is part of sending: a key that may send may take its send back.
  if (m === "DELETE" && path.startsWith("/outbox/")) return "mail.send";
  if (m === "GET" || m === "HEAD") return "mail.read";
  return "mail.manage";
}
