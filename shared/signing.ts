// Signed internal requests, edge → core. The signature covers method, path with query, a timestamp,
// a single-use nonce and the SHA-256 of the body, so a captured request can be neither altered nor
// replayed after the window, and the core's nonce memory stops replays inside it.
import { fromBase64Url, sha256Hex, toBase64Url, utf8 } from "./encoding.ts";
import { nodeCrypto } from "./node-crypto.ts";

export const signatureHeaders = {
  timestamp: "x-edgemail-timestamp",
  nonce: "x-edgemail-nonce",
  signature: "x-edgemail-signature",
} as const;

/** How far a request's timestamp may be from the core's clock. */
export const SIGNATURE_MAX_SKEW_MS = 60_000;

export interface SignableRequest {
  method: string;
  /** Path plus query string exactly as sent, e.g. `/internal/v1/users/x/folders?limit=5`. */
  pathAndQuery: string;
  body: Uint8Array | string;
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", utf8(secret) as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

async function canonical(req: SignableRequest, timestamp: string, nonce: string): Promise<Uint8Array> {
  const bodyHash = await sha256Hex(req.body);
  return utf8(["edgemail-v1", req.method.toUpperCase(), req.pathAndQuery, timestamp, nonce, bodyHash].join("\n"));
}

export async function signRequest(secret: string, req: SignableRequest, now = Date.now()): Promise<Record<string, string>> {
  const timestamp = String(now);
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const data = await canonical(req, timestamp, nonce);
  const mac = nodeCrypto
    ? nodeCrypto.createHmac("sha256", utf8(secret)).update(data).digest()
    : await crypto.subtle.sign("HMAC", await hmacKey(secret), data as Uint8Array<ArrayBuffer>);
  return {
    [signatureHeaders.timestamp]: timestamp,
    [signatureHeaders.nonce]: nonce,
    [signatureHeaders.signature]: toBase64Url(mac),
  };
}

export type SignatureCheck =
  | { ok: true; nonce: string; timestamp: number }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "bad-signature" };

export async function verifyRequest(
  secret: string,
  req: SignableRequest,
  headers: { get(name: string): string | null | undefined },
  now = Date.now(),
): Promise<SignatureCheck> {
  const timestamp = headers.get(signatureHeaders.timestamp);
  const nonce = headers.get(signatureHeaders.nonce);
  const signature = headers.get(signatureHeaders.signature);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: "missing" };
  if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return { ok: false, reason: "malformed" };
  const ts = Number(timestamp);
  if (Math.abs(now - ts) > SIGNATURE_MAX_SKEW_MS) return { ok: false, reason: "expired" };
  let mac: Uint8Array;
  try {
    mac = fromBase64Url(signature);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const data = await canonical(req, timestamp, nonce);
  // Both compare in constant time.
  const valid = nodeCrypto
    ? mac.length === 32 && nodeCrypto.timingSafeEqual(nodeCrypto.createHmac("sha256", utf8(secret)).update(data).digest(), mac)
    : await crypto.subtle.verify("HMAC", await hmacKey(secret), mac as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  return valid ? { ok: true, nonce, timestamp: ts } : { ok: false, reason: "bad-signature" };
}
