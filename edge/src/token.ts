// Short-lived bearer tokens: HS256 JWTs carrying the user id, address and home region, so a request
// can be routed to the right core without a directory lookup, and the session id, which the user's
// Durable Object can revoke (logout) before the token expires.
import { sign, verify } from "hono/jwt";
import type { UserIdentity } from "../../shared/api.ts";
import { isUuidv7 } from "../../shared/ids.ts";

export interface AccessClaims {
  sub: string;
  addr: string;
  rgn: string;
  /** Session id: one per login. */
  sid: string;
  iat: number;
  exp: number;
  typ: "access";
}

// hono/jwt imports a string secret anew on every call (about a third of reading a token, in a profile
// of the edge); the key is imported once per secret and isolate instead.
const keys = new Map<string, Promise<CryptoKey>>();
function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export async function issueToken(user: UserIdentity, sessionId: string, secret: string, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const claims: AccessClaims = { sub: user.id, addr: user.address, rgn: user.region, sid: sessionId, iat, exp: iat + ttlSeconds, typ: "access" };
  return sign({ ...claims }, await keyOf(secret), "HS256");
}

/** The claims of a valid, unexpired access token, or null. (Revocation is the hub's to check.) */
export async function readToken(token: string, secret: string): Promise<AccessClaims | null> {
  try {
    const payload = (await verify(token, await keyOf(secret), "HS256")) as Partial<AccessClaims>;
    if (payload.typ !== "access" || typeof payload.sub !== "string" || !isUuidv7(payload.sub)) return null;
    if (typeof payload.rgn !== "string" || typeof payload.addr !== "string" || typeof payload.exp !== "number") return null;
    if (typeof payload.sid !== "string" || !/^[A-Za-z0-9_-]{16,64}$/.test(payload.sid)) return null;
    return payload as AccessClaims;
  } catch {
    return null;
  }
}
