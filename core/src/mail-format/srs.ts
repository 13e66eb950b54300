// Sender Rewriting Scheme for mail our users' filters forward. A forwarded message leaves with a
// return path in our domain (SPF passes for us), and a bounce to that address is turned back into
// the original sender. The shapes are SRS's:
//
//   SRS0=HHHHHHHHHH=TT=orig.example=alice@forwarder.example     (we forward alice@orig.example)
//   SRS1=HHHHHHHHHH=first.example==HHHH=TT=orig.example=alice@forwarder.example
//                                                    (we forward an SRS0 address of first.example)
//
// TT is the day number mod 1024 in base32; an address lives 21 days. An SRS1 address keeps the first
// forwarder's SRS0 part as it is and so always leads a bounce back to that forwarder.
//
// HHHHHHHHHH is HMAC-SHA256 with the secret over the tag and the fields, each prefixed by its length,
// so that no other split of the same characters hashes alike (libsrs2 joins them bare: its
// SRS0=…=remote.test=bank@ also verifies as …=remote.tes=tbank@, a forged address to anyone). The
// fields are lowercased first and the hash is compared without case, as MTAs fold the case of local
// parts; so it is written in base32 (RFC 4648, lowercase): 10 characters, 50 bits, where libsrs2's 4
// case-folded base64 characters are ~21 bits and can be guessed.
//
// This is no longer libsrs2's format, and need not be: only we reverse our own addresses (a bounce
// comes back to the domain in the address). Addresses of the old format, written by earlier
// versions, verify only as "legacy" (srs-legacy.ts): the caller must show we issued them.
import { createHmac, timingSafeEqual } from "node:crypto";
import { legacyHashVerifies, LEGACY_HASH_LENGTH } from "./srs-legacy.ts";

export interface SrsKeys {
  /** Signs new addresses and verifies. */
  secret: string;
  /** Still accepted when verifying, so that a secret can be rotated without breaking bounces in flight. */
  previousSecrets?: readonly string[];
}

export type SrsReversal =
  | { ok: true; address: string }
  | { ok: false; reason: "not-srs" | "bad-hash" | "expired" | "malformed" }
  /** Verifies, but in the old format that proves nothing alone: trust `address` only if we issued it. */
  | { ok: false; reason: "legacy"; address: string };

/** How long a bounce to an SRS0 address is accepted, in days after the day it was written. */
export const SRS_LIFETIME_DAYS = 21;

const DAY_MS = 86_400_000;
const TIME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const TIME_SLOTS = 1024; // two base32 characters
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const HASH_LENGTH = 10; // × 5 bits
// libsrs2 accepts any of these after the SRS0/SRS1 tag; the fields after it are always split by "=".
const TAG = /^(SRS[01])([=+-])/i;

/** Whether the local part of `address` has the shape of an SRS address (ours or not). */
export function looksLikeSrs(address: string): boolean {
  return TAG.test(address);
}

/** The return path to use when forwarding mail from `address` through `domain`. Unchanged when it is
 * already in `domain`; null when it has no domain (the null reverse path of a bounce is never rewritten). */
export function srsForward(address: string, options: SrsKeys & { domain: string; now?: Date | number }): string | null {
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return null;
  const user = address.slice(0, at);
  const host = address.slice(at + 1);
  if (host.toLowerCase() === options.domain.toLowerCase()) return address;

  const tag = TAG.exec(user);
  if (tag?.[1]!.toUpperCase() === "SRS1") {
    // Already guarded by an earlier forwarder: keep its first hop, sign it again for our domain. (A
    // malformed one is just an odd local part and gets wrapped in SRS0 below.)
    const [, firstHost, opaque] = splitFields(user.slice(5), 3);
    if (firstHost && opaque) return `SRS1=${hash(options.secret, "SRS1", firstHost, opaque)}=${firstHost}=${opaque}@${options.domain}`;
  } else if (tag) {
    // An SRS0 address of another forwarder: guard it as SRS1, pointing back to that forwarder.
    const opaque = user.slice(4);
    return `SRS1=${hash(options.secret, "SRS1", host, opaque)}=${host}=${opaque}@${options.domain}`;
  }
  const stamp = timestamp(dayNumber(options.now));
  return `SRS0=${hash(options.secret, "SRS0", stamp, host, user)}=${stamp}=${host}=${user}@${options.domain}`;
}

/** The address a bounce to an SRS address of ours goes to: the original sender for SRS0, the first
 * forwarder's SRS0 address for SRS1. The domain after "@" is not checked: the caller routed it to us. */
export function srsReverse(address: string, options: SrsKeys & { now?: Date | number; maxAgeDays?: number }): SrsReversal {
  const at = address.lastIndexOf("@");
  const user = at >= 0 ? address.slice(0, at) : address;
  const tag = TAG.exec(user);
  if (!tag) return { ok: false, reason: "not-srs" };
  const fields = user.slice(5);
  const secrets = [options.secret, ...(options.previousSecrets ?? [])];

  if (tag[1]!.toUpperCase() === "SRS1") {
    const [givenHash, host, opaque] = splitFields(fields, 3);
    if (!givenHash || !host || !opaque) return { ok: false, reason: "malformed" };
    const original = `SRS0${opaque}@${host}`;
    if (verifies(secrets, givenHash, "SRS1", host, opaque)) return { ok: true, address: original };
    if (legacyHashVerifies(secrets, givenHash, host, opaque)) return { ok: false, reason: "legacy", address: original };
    return { ok: false, reason: "bad-hash" };
  }

  const [givenHash, stamp, host, originalUser] = splitFields(fields, 4);
  if (!givenHash || !stamp || !host || !originalUser) return { ok: false, reason: "malformed" };
  const then = stampDay(stamp);
  if (then === null) return { ok: false, reason: "malformed" };
  const legacy = givenHash.length === LEGACY_HASH_LENGTH;
  if (legacy ? !legacyHashVerifies(secrets, givenHash, stamp, host, originalUser) : !verifies(secrets, givenHash, "SRS0", stamp, host, originalUser)) {
    return { ok: false, reason: "bad-hash" };
  }
  let today = dayNumber(options.now) % TIME_SLOTS;
  // The stamp only holds the day mod 1024: a stamp "after" today is from the previous cycle (or forged
  // for the future, which this rightly makes ~1024 days old).
  while (today < then) today += TIME_SLOTS;
  if (today > then + (options.maxAgeDays ?? SRS_LIFETIME_DAYS)) return { ok: false, reason: "expired" };
  const original = `${originalUser}@${host}`;
  return legacy ? { ok: false, reason: "legacy", address: original } : { ok: true, address: original };
}

/** Splits on "=" into `count` fields, the last keeping any further "=" (a local part may hold them). */
function splitFields(text: string, count: number): string[] {
  const out: string[] = [];
  let rest = text;
  for (let i = 0; i < count - 1; i++) {
    const eq = rest.indexOf("=");
    if (eq < 0) return [...out, rest];
    out.push(rest.slice(0, eq));
    rest = rest.slice(eq + 1);
  }
  return [...out, rest];
}

function dayNumber(now: Date | number | undefined): number {
  const ms = now === undefined ? Date.now() : typeof now === "number" ? now : now.getTime();
  return Math.floor(ms / DAY_MS);
}

function timestamp(day: number): string {
  return TIME_CHARS[(day >> 5) & 31]! + TIME_CHARS[day & 31]!;
}

function stampDay(stamp: string): number | null {
  if (stamp.length !== 2) return null;
  const hi = TIME_CHARS.indexOf(stamp[0]!.toUpperCase());
  const lo = TIME_CHARS.indexOf(stamp[1]!.toUpperCase());
  return hi < 0 || lo < 0 ? null : (hi << 5) | lo;
}

function hash(secret: string, ...fields: string[]): string {
  const hmac = createHmac("sha256", secret);
  for (const field of fields) {
    // ASCII-only lowercasing: MTAs fold the case of ASCII letters; other characters hash as they are.
    const bytes = Buffer.from(field.replace(/[A-Z]+/g, (s) => s.toLowerCase()), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hmac.update(length).update(bytes);
  }
  return base32(hmac.digest()).slice(0, HASH_LENGTH);
}

function base32(bytes: Buffer): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function verifies(secrets: readonly string[], given: string, ...fields: string[]): boolean {
  if (given.length !== HASH_LENGTH) return false;
  const wanted = Buffer.from(given.toLowerCase(), "utf8");
  return secrets.some((secret) => {
    const expected = Buffer.from(hash(secret, ...fields), "utf8");
    return expected.length === wanted.length && timingSafeEqual(expected, wanted);
  });
}
