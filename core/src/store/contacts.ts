// The people a user has mailed, for address suggestions (Gmail's "people you email"): every
// recipient (to, cc, bcc) of the sender's copy filed into Sent, whichever door the message came
// through (the API, SMTP submission from another mail app), counted in the filing's own
// transaction, so a refiling after a crash, which files nothing, counts nothing either.
import { and, eq, or, sql } from "drizzle-orm";
import type { Contact, MailAddress } from "../../../shared/api.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import { contacts } from "./shard-schema.ts";
import type { Queryable } from "./shards.ts";

/** How fast a contact's weight fades: mailed once today ranks with mailed twice 30 days ago. */
const FADE_MS = 30 * 86_400_000;

/** What a name prefix is matched against: lowercase, accents removed (`emi` finds Émile),
 * apostrophes dropped (`obr` finds O'Brien), other punctuation a word break (`luc` finds Jean-Luc). */
export function nameKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\p{M}'’]/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}@]+/gu, " ")
    .trim();
}

export interface SentMessage {
  userId: string;
  /** The user's own address: mail to oneself suggests nobody. */
  ownAddress: string;
  receivedAt: number;
  recipients: MailAddress[];
}

/** Counts the recipients of messages just filed into Sent, inside the filing's transaction `tx`. */
export async function recordContacts(tx: Queryable, sent: SentMessage[]): Promise<void> {
  const byKey = new Map<string, { userId: string; address: string; name: string; times: number; last: number }>();
  for (const m of sent) {
    const own = normalizeAddress(m.ownAddress);
    const counted = new Set<string>();
    for (const r of m.recipients) {
      const address = normalizeAddress(r.address);
      if (!address || address === own || counted.has(address)) continue;
      counted.add(address);
      const key = `${m.userId}/${address}`;
      const c = byKey.get(key) ?? { userId: m.userId, address, name: "", times: 0, last: 0 };
      c.times++;
      const name = r.name.trim();
      if (name && m.receivedAt >= c.last) c.name = name;
      c.last = Math.max(c.last, m.receivedAt);
      byKey.set(key, c);
    }
  }
  if (byKey.size === 0) return;
  // One statement for the whole batch, its rows one JSON parameter that SQLite takes apart itself
  // (as insertEvents does): mail sent to new people each time meant one upsert built by drizzle per
  // message, the largest part of filing a Sent copy. SET reads the row as it was before the update.
  const rows = JSON.stringify([...byKey.values()].map((c) => ({ u: c.userId, a: c.address, n: c.name, k: nameKey(c.name), t: c.times, l: c.last })));
  const newer = sql.raw(`excluded.name <> '' AND (contacts.name = '' OR excluded.last_mailed_at >= contacts.last_mailed_at)`);
  await tx.run(
    sql`INSERT INTO ${contacts} (user_id, address, name, name_key, times_mailed, last_mailed_at)
        SELECT value->>'u', value->>'a', value->>'n', value->>'k', value->>'t', value->>'l' FROM json_each(${rows}) WHERE true
        ON CONFLICT (user_id, address) DO UPDATE SET
          times_mailed = contacts.times_mailed + excluded.times_mailed,
          last_mailed_at = max(contacts.last_mailed_at, excluded.last_mailed_at),
          name = CASE WHEN ${newer} THEN excluded.name ELSE contacts.name END,
          name_key = CASE WHEN ${newer} THEN excluded.name_key ELSE contacts.name_key END`,
  );
}

const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The user's contacts whose address, name or a word of the name starts with `q` (any case),
 * most mailed and most recently mailed first (`q` empty: all of them). */
export async function listContacts(db: Queryable, userId: string, options: { q: string; limit: number; now: number }): Promise<Contact[]> {
  const q = options.q.trim().toLowerCase();
  const key = nameKey(q);
  const prefixes = [sql`${contacts.address} LIKE ${likeEscaped(q) + "%"} ESCAPE '\\'`];
  if (key) prefixes.push(sql`${contacts.nameKey} LIKE ${likeEscaped(key) + "%"} ESCAPE '\\'`, sql`${contacts.nameKey} LIKE ${"% " + likeEscaped(key) + "%"} ESCAPE '\\'`);
  const rows = await db
    .select({ address: contacts.address, name: contacts.name, timesMailed: contacts.timesMailed, lastMailedAt: contacts.lastMailedAt })
    .from(contacts)
    .where(and(eq(contacts.userId, userId), q ? or(...prefixes) : undefined))
    // How often, faded by how long ago: a one-off from last year sinks below this week's.
    .orderBy(sql`${contacts.timesMailed} / (1.0 + max(0, ${options.now} - ${contacts.lastMailedAt}) / ${sql.raw(String(FADE_MS))}.0) DESC`, sql`${contacts.lastMailedAt} DESC`, contacts.address)
    .limit(options.limit);
  return rows.map((r) => ({ ...r, lastMailedAt: new Date(r.lastMailedAt).toISOString() }));
}
