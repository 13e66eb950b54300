// What threading compares, computed from headers: Message-ID keys and a subject key. Pure functions;
// store/threading.ts looks them up in the shard.
import { createHash } from "node:crypto";
import type { MailAddress } from "../../../shared/api.ts";

/** Longer Message-IDs are cut: real ones are well under 100 characters, and the key is indexed. */
export const MAX_KEY_LENGTH = 250;

/** A Message-ID as a key: without its angle brackets and with ASCII letters lowercased (clients and
 * list servers change the case of ids they copy into In-Reply-To and References). Only ASCII is
 * lowercased, exactly as SQLite's lower() does, so the migration's keys of older messages (made in
 * SQL) equal the keys made here. */
function keyOf(id: string): string {
  return id.replace(/\s+/g, "").replace(/[A-Z]+/g, (s) => s.toLowerCase()).slice(0, MAX_KEY_LENGTH);
}

/** The Message-IDs in a Message-ID, In-Reply-To or References value, as keys, in order, once each.
 * Ids are taken between angle brackets (In-Reply-To may carry comments or phrases beside them); a
 * value without any is read as bare ids separated by whitespace or commas, as some mailers write. */
export function messageIdKeys(value: string | null | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>]+)>/g)].map((m) => m[1]!);
  const ids = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((t) => t.includes("@"));
  return [...new Set(ids.map(keyOf).filter((k) => k.length > 0))];
}

// Reply and forward markers of the common mail clients (English, German AW/WG, Nordic SV/VS, Dutch
// Antw, Spanish RV, French TR, Polish Odp, Turkish Ynt, Chinese), with counters such as `RE[2]:` or
// `Re(3):`; and list tags such as `[dev-list]`, which lists put in front of any of them.
const REPLY_MARKER = /^(?:re|fwd?|aw|sv|vs|antw|wg|rv|tr|odp|ynt)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|^(?:回复|回覆|答复|转发|轉寄)\s*[:：]/i;
const LIST_TAG = /^\[[^\]]*\]/;

export interface SubjectForm {
  /** Without markers and tags, whitespace collapsed, lowercased; "" when nothing is left. */
  normalized: string;
  /** It carried a reply or forward marker. */
  reply: boolean;
}

export function normalizeSubject(subject: string): SubjectForm {
  let rest = subject.trim();
  let reply = false;
  for (;;) {
    const marker = REPLY_MARKER.exec(rest);
    const tag = marker ? null : LIST_TAG.exec(rest);
    if (!marker && !tag) break;
    if (marker) reply = true;
    rest = rest.slice((marker ?? tag)![0].length).trimStart();
  }
  return { normalized: rest.replace(/\s+/g, " ").trim().toLowerCase(), reply };
}

/** The indexed form of a normalized subject (a hash: subjects can be long); null for an empty one,
 * which never threads anything. */
export function subjectKey(normalized: string): string | null {
  return normalized ? createHash("sha256").update(normalized).digest("base64url").slice(0, 22) : null;
}

/** The people of a message other than the mailbox's owner, lowercased: the owner is in every
 * message, so only someone else in common says two messages belong together. */
export function participants(addresses: (MailAddress | null)[], owner: string): Set<string> {
  const out = new Set<string>();
  const me = owner.toLowerCase();
  for (const a of addresses) {
    const address = a?.address.trim().toLowerCase();
    if (address && address !== me) out.add(address);
  }
  return out;
}
