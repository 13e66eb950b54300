// Signing webhook requests the Standard Webhooks way (standardwebhooks.com), so an integrator can
// verify them with any of that spec's libraries instead of code of ours:
//   webhook-id         the delivery's id, the same on every retry (receivers dedupe on it)
//   webhook-timestamp  unix seconds of this attempt (receivers refuse old ones: no replays)
//   webhook-signature  "v1,<base64 HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)>", space-separated
//                      when several secrets are valid at once (rotation)
// The secret is "whsec_" + base64 of 32 random bytes. WebCrypto only: this runs in workerd and Node.

const SECRET_PREFIX = "whsec_";
/** How far a timestamp may be from the verifier's clock, either way (the spec's recommendation). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export interface WebhookSignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function newWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The three headers for one attempt at sending `body` (the exact bytes sent) as delivery `id`. */
export async function signWebhook(secret: string, id: string, body: string, timestamp = nowSeconds()): Promise<WebhookSignatureHeaders> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), signedContent(id, timestamp, body));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}` };
}

/** null when one of the request's signatures is valid for `secret` and its timestamp is recent;
 * otherwise what is wrong. Comparison is crypto.subtle.verify's, which is constant-time. */
export async function verifyWebhook(secret: string, headers: Headers, body: string, now = nowSeconds()): Promise<string | null> {
  const id = headers.get("webhook-id");
  const timestampText = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestampText || !signatures) return "missing webhook-id, webhook-timestamp or webhook-signature";
  if (!/^\d{1,12}$/.test(timestampText)) return "webhook-timestamp is not unix seconds";
  const timestamp = Number(timestampText);
  if (Math.abs(now - timestamp) > WEBHOOK_TOLERANCE_SECONDS) return "webhook-timestamp is too far from now";
  const key = await hmacKey(secret);
  const content = signedContent(id, timestamp, body);
  for (const versioned of signatures.split(" ")) {
    const [version, encoded] = versioned.split(",", 2);
    // Other versions (v1a: asymmetric) are for other verifiers; skip them as the spec says.
    if (version !== "v1" || !encoded) continue;
    const mac = fromBase64(encoded);
    if (mac && (await crypto.subtle.verify("HMAC", key, mac, content))) return null;
  }
  return "no signature matches";
}

function signedContent(id: string, timestamp: number, body: string): Uint8Array {
  return new TextEncoder().encode(`${id}.${timestamp}.${body}`);
}

// The key's type is left to inference: CryptoKey is a global type in Workers but not in Node's types,
// and the consumer (with this file) also runs under Node (pinned-fetch.node.test.ts).
async function hmacKey(secret: string) {
  const bytes = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!bytes || bytes.length === 0) throw new Error("a webhook secret is whsec_ followed by base64");
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
