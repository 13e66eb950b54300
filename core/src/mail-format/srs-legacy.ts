// The SRS hash that earlier versions wrote (libsrs2's and postsrsd's): HMAC-SHA1 over the fields
// joined with nothing between them, base64, cut to 4 characters. It proves little: the fields can be
// split differently without changing the hash (…=remote.test=bank@ hashes as …=remote.tes=tbank@),
// and 4 case-folded characters are ~21 bits, a guess away. An address that verifies with it is only
// trusted when the outbound queue shows we sent mail with it (srs-bounce.ts). Bounces to such
// addresses stop arriving 21 days after the release that stopped writing them; then this file goes.
import { createHmac } from "node:crypto";

export const LEGACY_HASH_LENGTH = 4;

/** libsrs2's hash of `fields` (ASCII lowercased, as its tolower() in the C locale). */
export function legacyHash(secret: string, ...fields: string[]): string {
  const hmac = createHmac("sha1", secret);
  for (const field of fields) hmac.update(field.replace(/[A-Z]+/g, (s) => s.toLowerCase()));
  return hmac.digest("base64").slice(0, LEGACY_HASH_LENGTH);
}

export function legacyHashVerifies(secrets: readonly string[], given: string, ...fields: string[]): boolean {
  if (given.length !== LEGACY_HASH_LENGTH) return false;
  const wanted = given.toLowerCase();
  return secrets.some((secret) => legacyHash(secret, ...fields).toLowerCase() === wanted);
}
