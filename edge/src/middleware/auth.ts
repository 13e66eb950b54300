// Authentication for every /api/v1 route but login: a bearer token from POST /api/v1/auth/login
// (checked here, then against revocation in the user's Durable Object) or an integrator's API key
// (checked by the user's Durable Object, which holds its hash). Then the route's scope. A read the
// Durable Object answers itself (hub-reads.ts) is asked for in the same call.
// Browsers cannot set headers on a WebSocket or an EventSource, so those two routes also take the
// credential from the URL (`access_token`), and the WebSocket from its `Sec-WebSocket-Protocol`
// (`bearer.<token>`). Nowhere else: a URL ends up in access logs, proxies and Referer headers, so a
// token in the query of any other route is refused, before it could be used.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { allScopes } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { looksLikeApiKey, parseApiKey } from "../api-key.ts";
import { hubReadOf } from "../hub-reads.ts";
import type { Authorization, CredentialCheck, HubRead } from "../hub-types.ts";
import type { Platform } from "../platform.ts";
import { requiredScope } from "../scopes.ts";
import { readToken, type AccessClaims } from "../token.ts";

const CHALLENGE = { "www-authenticate": 'Bearer realm="edgemail"' };
const INVALID = { "www-authenticate": 'Bearer realm="edgemail", error="invalid_token"' };
const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;
const WEBSOCKET = "/api/v1/events/ws";
const EVENT_STREAM = "/api/v1/events/stream";

function tokenInQueryAllowed(c: Context): boolean {
  return c.req.method === "GET" && (c.req.path === WEBSOCKET || c.req.path === EVENT_STREAM);
}

/** Refuses `access_token` in the query of every route but the WebSocket and the event stream. */
export const refuseTokenInQuery = createMiddleware(async (c, next) => {
  if (c.req.query("access_token") !== undefined && !tokenInQueryAllowed(c)) {
    throw new ProblemError(
      "validation",
      `Send the token in the Authorization header (Authorization: Bearer <token>), not in the URL, where logs and Referer headers keep it; only GET ${WEBSOCKET} and ${EVENT_STREAM} take access_token, as browsers cannot set headers there.`,
      { errors: [{ field: "query.access_token", message: "not accepted here: use the Authorization header" }] },
    );
  }
  await next();
});

function credential(c: Context): string | null {
  const header = c.req.header("authorization");
  if (header) return BEARER.exec(header)?.[1] ?? null;
  if (!tokenInQueryAllowed(c)) return null;
  const fromProtocol =
    c.req.path === WEBSOCKET
      ? (c.req.header("sec-websocket-protocol") ?? "")
          .split(",")
          .map((p) => p.trim())
          .find((p) => p.startsWith("bearer."))
      : undefined;
  return fromProtocol?.slice("bearer.".length) ?? c.req.query("access_token") ?? null;
}

function invalid(detail: string): ProblemError {
  return new ProblemError("unauthorized", detail, { headers: INVALID });
}

/** Asks the user's hub in `region`, following the tombstone a moved hub leaves (hub/hub-move.ts) to
 * the region the user moved to: their sessions and API key hashes went along, so a token or key from
 * before the move keeps working (the key's text names the old region, but its hash covers that text).
 * A few hops at most: a user moved twice. */
async function authorizeAt(platform: Platform, userId: string, region: string, check: CredentialCheck, read: HubRead | null): Promise<{ auth: Authorization | null; region: string }> {
  for (let hop = 0; hop < 3; hop++) {
    const auth = await platform.hub(userId, region).authorize(check, read);
    if (auth === null || !("movedTo" in auth)) return { auth, region };
    region = auth.movedTo;
    if (check.kind === "session") check = { ...check, region };
  }
  return { auth: null, region };
}

export const requireUser = createMiddleware(async (c, next) => {
  const presented = credential(c);
  if (!presented) {
    throw new ProblemError("unauthorized", "Sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/login, or an API key.", {
      headers: CHALLENGE,
    });
  }
  const platform = c.get("platform");
  // The hub that checks the credential also answers the request's read, if the hub serves it.
  const read = hubReadOf(c);
  if (looksLikeApiKey(presented)) {
    const parsed = parseApiKey(presented);
    const auth = parsed ? (await authorizeAt(platform, parsed.userId, parsed.region ?? c.get("config").directoryRegion, { kind: "apiKey", keyId: parsed.keyId, key: presented }, read)).auth : null;
    const key = auth?.key;
    if (!parsed || !key) throw invalid("The API key is not valid: it may have been revoked or have expired.");
    const exp = key.expiresAt === null ? Number.MAX_SAFE_INTEGER : Math.floor(key.expiresAt / 1000);
    const user: AccessClaims = { sub: parsed.userId, addr: key.address, rgn: key.region, sid: parsed.keyId, iat: 0, exp, typ: "access" };
    c.set("user", user);
    c.set("principal", { kind: "apiKey", userId: parsed.userId, id: parsed.keyId, scopes: key.scopes });
    c.set("hubAnswer", auth.answer);
    c.set("limited", auth.limited);
  } else {
    const claims = await readToken(presented, c.get("config").tokenSecret);
    if (!claims) throw invalid("The token is invalid or has expired; sign in again.");
    const { auth, region } = await authorizeAt(platform, claims.sub, claims.rgn, { kind: "session", sessionId: claims.sid, userId: claims.sub, region: claims.rgn }, read);
    if (!auth) throw invalid("This session has been signed out; sign in again.");
    // A token from before a move names the old region: the request goes where the session now lives.
    c.set("user", region === claims.rgn ? claims : { ...claims, rgn: region });
    c.set("principal", { kind: "session", userId: claims.sub, id: claims.sid, scopes: allScopes });
    c.set("hubAnswer", auth.answer);
    c.set("limited", auth.limited);
  }
  // The user's blobs are in their home region's bucket.
  c.set("blobs", platform.blobs(c.get("user").rgn));

  const principal = c.get("principal");
  const needs = requiredScope(c.req.method, c.req.path.slice("/api/v1".length));
  if (needs === "session" && principal.kind !== "session") {
    throw new ProblemError("forbidden", "This needs a password session; API keys cannot manage credentials.");
  }
  if (needs !== "session" && !principal.scopes.includes(needs)) {
    throw new ProblemError("forbidden", `This API key lacks the scope ${needs}.`, { headers: { "www-authenticate": `Bearer realm="edgemail", error="insufficient_scope", scope="${needs}"` } });
  }
  await next();
});
