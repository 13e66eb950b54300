// API keys for integrators: `emk_<home region>_<user id, 32 hex>_<key id, 16 hex>_<secret, 43
// base64url>`. The region and user id route the check to that user's Durable Object, in their
// region's jurisdiction (platform.hub), which stores the key's SHA-256, never the key: a region
// changed in a key changes its hash, so it is refused. The key id names it in lists and revocations.
// Keys made before keys named their region (`emk_<user>_<key>_<secret>`) are in the default region.
// 256 random bits make a fast hash safe, as for GitHub's and Stripe's tokens — a slow KDF is for
// passwords people choose.
import { sha256Hex, toBase64Url, toHex } from "../../shared/encoding.ts";

// Region names are [a-z0-9-] (config.ts), so `_` cannot be part of one.
const KEY_PATTERN = /^emk_(?:([a-z0-9-]{1,32})_)?([0-9a-f]{32})_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  userId: string;
  keyId: string;
  /** Null: a key from before keys named their region (its user is in the default region). */
  region: string | null;
}

function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith("emk_");
}

export function parseApiKey(key: string): ParsedApiKey | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { userId: uuidFromHex(m[2]!), keyId: m[3]!, region: m[1] ?? null } : null;
}

export function newApiKey(userId: string, region: string): { key: string; keyId: string; prefix: string } {
  const keyId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const key = `emk_${region}_${userId.replace(/-/g, "")}_${keyId}_${secret}`;
  return { key, keyId, prefix: `emk_…_${keyId}` };
}

export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}
