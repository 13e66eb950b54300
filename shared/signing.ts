// Signed internal requests between the tiers (edge → core, and core → edge). The signature covers the
// receiver's origin (its audience), method, path with query, a timestamp, a single-use nonce and the
// SHA-256 of the body, so a captured request can be neither altered, nor replayed after the window, nor
// sent to another receiver: a region's cores each verify against their own origins, so a request meant
// for core A fails the signature at core B, and A's nonce memory (core/src/api/replay-guard.ts) stops
// its replay at A. Without the audience every core of a region would need one shared nonce store,
// written on every call.
import { fromBase64Url, sha256Hex, toBase64Url, utf8 } from "./encoding.ts";
import { nodeCrypto, type NodeCrypto, type NodeSecretKey } from "./node-crypto.ts";

export const signatureHeaders = {
  timestamp: "x-edgemail-timestamp",
  nonce: "x-edgemail-nonce",
  signature: "x-edgemail-signature",
  /** The audience the signer named, so a receiver reached by several origins knows which one to check. */
  audience: "x-edgemail-audience",
} as const;

/** How far a request's timestamp may be from the core's clock. */
export const SIGNATURE_MAX_SKEW_MS = 60_000;

/** The version of the canonical string; a receiver refuses any other. */
const VERSION = "edgemail-v2";

export interface SignableRequest {
  method: string;
  /** Path plus query string exactly as sent, e.g. `/internal/v1/users/x/folders?limit=5`. */
  pathAndQuery: string;
  body: Uint8Array | string;
}

/** The audience of a receiver: the origin (scheme://host[:port]) of the URL it is called by. */
export function audienceOf(url: string | URL): string {
  return new URL(url).origin;
}

// A key prepared once per secret: given the raw secret, node:crypto prepares a key on every HMAC
// (a tenth of a millisecond per signed request, in a profile of the core).
const nodeKeys = new Map<string, NodeSecretKey>();
function nodeKey(node: NodeCrypto, secret: string): NodeSecretKey {
  let key = nodeKeys.get(secret);
  if (!key) {
    key = node.createSecretKey(utf8(secret));
    nodeKeys.set(secret, key);
  }
  return key;
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

async function canonical(audience: string, req: SignableRequest, timestamp: string, nonce: string): Promise<Uint8Array> {
  const bodyHash = await sha256Hex(req.body);
  return utf8([VERSION, audience, req.method.toUpperCase(), req.pathAndQuery, timestamp, nonce, bodyHash].join("\n"));
}

/** The headers of a request to `req` at `target`: the receiver's URL (any URL of it; its origin is signed). */
export async function signRequest(secret: string, target: string | URL, req: SignableRequest, now = Date.now()): Promise<Record<string, string>> {
  const audience = audienceOf(target);
  const timestamp = String(now);
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const data = await canonical(audience, req, timestamp, nonce);
  const mac = nodeCrypto
    ? nodeCrypto.createHmac("sha256", nodeKey(nodeCrypto, secret)).update(data).digest()
    : await crypto.subtle.sign("HMAC", await hmacKey(secret), data as Uint8Array<ArrayBuffer>);
  return {
    [signatureHeaders.audience]: audience,
    [signatureHeaders.timestamp]: timestamp,
    [signatureHeaders.nonce]: nonce,
    [signatureHeaders.signature]: toBase64Url(mac),
  };
}

export type SignatureCheck =
  | { ok: true; nonce: string; timestamp: number }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "other-audience" | "bad-signature" };

/** `audiences`: the origins this receiver is reached by (audienceOf of each); a request signed for any
 * other is refused before its MAC is computed. */
export async function verifyRequest(
  secret: string,
  audiences: readonly string[],
  req: SignableRequest,
  headers: { get(name: string): string | null | undefined },
  now = Date.now(),
): Promise<SignatureCheck> {
  const audience = headers.get(signatureHeaders.audience);
  const timestamp = headers.get(signatureHeaders.timestamp);
  const nonce = headers.get(signatureHeaders.nonce);
  const signature = headers.get(signatureHeaders.signature);
  if (!audience || !timestamp || !nonce || !signature) return { ok: false, reason: "missing" };
  if (!audiences.includes(audience)) return { ok: false, reason: "other-audience" };
  if (!/^\d{1,15}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return { ok: false, reason: "malformed" };
  const ts = Number(timestamp);
  if (Math.abs(now - ts) > SIGNATURE_MAX_SKEW_MS) return { ok: false, reason: "expired" };
  let mac: Uint8Array;
  try {
    mac = fromBase64Url(signature);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const data = await canonical(audience, req, timestamp, nonce);
  // Both compare in constant time.
  const valid = nodeCrypto
    ? mac.length === 32 && nodeCrypto.timingSafeEqual(nodeCrypto.createHmac("sha256", nodeKey(nodeCrypto, secret)).update(data).digest(), mac)
    : await crypto.subtle.verify("HMAC", await hmacKey(secret), mac as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  return valid ? { ok: true, nonce, timestamp: ts } : { ok: false, reason: "bad-signature" };
}
