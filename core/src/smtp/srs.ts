// Sender Rewriting Scheme, as libsrs2 and postsrsd write it, so that addresses we rewrite can be
// reversed by them and the other way round. A forwarded message leaves with a return path in our
// domain (SPF passes for us), and a bounce to that address is turned back into the original sender.
//
//   SRS0=HHHH=TT=orig.example=alice@forwarder.example     (we forward alice@orig.example)
//   SRS1=HHHH=first.example==HHHH=TT=orig.example=alice@forwarder.example
//                                                         (we forward an SRS0 address of first.example)
//
// HHHH is HMAC-SHA1 over the other fields, lowercased (MTAs that fold case must not break it), base64,
// cut to 4 characters and compared without case. TT is the day number mod 1024 in base32. An SRS1 address
// keeps the first forwarder's SRS0 part as it is and so always leads a bounce back to that forwarder.
//
// Written by hand: the npm packages (srs.js 0.1.0) hash in hex and round the day, so their addresses
// do not verify against libsrs2's; this file is the ~100 lines the scheme needs.
import { createHmac } from "node:crypto";

export interface SrsKeys {
  /** Signs new addresses and verifies. */
  secret: string;
  /** Still accepted when verifying, so that a secret can be rotated without breaking bounces in flight. */
  previousSecrets?: readonly string[];
}

export type SrsReversal = { ok: true; address: string } | { ok: false; reason: "not-srs" | "bad-hash" | "expired" | "malformed" };

const DAY_MS = 86_400_000;
const TIME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const TIME_SLOTS = 1024; // two base32 characters
const HASH_LENGTH = 4;
// libsrs2 accepts any of these after the SRS0/SRS1 tag; the fields after it are always split by "=".
const TAG = /^(SRS[01])([=+-])/i;

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
    if (firstHost && opaque) return `SRS1=${hash(options.secret, firstHost, opaque)}=${firstHost}=${opaque}@${options.domain}`;
  } else if (tag) {
    // An SRS0 address of another forwarder: guard it as SRS1, pointing back to that forwarder.
    const opaque = user.slice(4);
    return `SRS1=${hash(options.secret, host, opaque)}=${host}=${opaque}@${options.domain}`;
  }
  const stamp = timestamp(dayNumber(options.now));
  return `SRS0=${hash(options.secret, stamp, host, user)}=${stamp}=${host}=${user}@${options.domain}`;
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
    if (!verifies(secrets, givenHash, host, opaque)) return { ok: false, reason: "bad-hash" };
    return { ok: true, address: `SRS0${opaque}@${host}` };
  }

  const [givenHash, stamp, host, originalUser] = splitFields(fields, 4);
  if (!givenHash || !stamp || !host || !originalUser) return { ok: false, reason: "malformed" };
  const then = stampDay(stamp);
  if (then === null) return { ok: false, reason: "malformed" };
  if (!verifies(secrets, givenHash, stamp, host, originalUser)) return { ok: false, reason: "bad-hash" };
  let today = dayNumber(options.now) % TIME_SLOTS;
  // The stamp only holds the day mod 1024: a stamp "after" today is from the previous cycle (or forged
  // for the future, which this rightly makes ~1024 days old).
  while (today < then) today += TIME_SLOTS;
  if (today > then + (options.maxAgeDays ?? 21)) return { ok: false, reason: "expired" };
  return { ok: true, address: `${originalUser}@${host}` };
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
  const hmac = createHmac("sha1", secret);
  // ASCII-only lowercasing, as libsrs2's tolower() in the C locale: other bytes hash as they are.
  for (const field of fields) hmac.update(field.replace(/[A-Z]+/g, (s) => s.toLowerCase()));
  return hmac.digest("base64").slice(0, HASH_LENGTH);
}

function verifies(secrets: readonly string[], given: string, ...fields: string[]): boolean {
  // libsrs2 compares the first four characters and ignores any beyond; fewer is too short to trust.
  if (given.length < HASH_LENGTH) return false;
  const wanted = given.slice(0, HASH_LENGTH).toLowerCase();
  return secrets.some((secret) => hash(secret, ...fields).toLowerCase() === wanted);
}
