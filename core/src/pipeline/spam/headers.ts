// Header heuristics: what bulk-mail software gets wrong and what impersonation needs. Each score is
// small on its own: real mail from old or careless software trips some of these too, and a false
// positive (ham in junk) costs the user far more than a missed spam.
import { addressParser } from "postal-mime";
import { addressDomain, isFreemail, orgDomain } from "./domains.ts";
import { firstField, type HeaderField } from "./header-fields.ts";
import type { Check, Hit } from "./input.ts";
import { claimedBrand, lookalikeTarget } from "./lookalike.ts";

const HOUR = 3600_000;

// RFC 5322 date-time, with the obsolete forms real mail still uses (no weekday, 2-digit year,
// named zones, no seconds); anything else is what broken or hand-rolled senders produce.
const RFC5322_DATE =
  /^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|[A-Za-z]{1,5})?(?:\s*\(.*\))?$/;
const MESSAGE_ID = /^<[^<>@\s]+@[^<>@\s]+>$/;
const EMAIL_IN_TEXT = /[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})/i;

/** When the message set out: the oldest dated Received below our own (its first hop), if not later
 * than our arrival. */
function firstHopTime(headers: HeaderField[], now: number): number | null {
  const stamps = headers.filter((h) => h.name === "received").slice(1);
  for (const { value } of stamps.reverse()) {
    const time = Date.parse(value.slice(value.lastIndexOf(";") + 1));
    if (Number.isFinite(time)) return time <= now ? time : null;
  }
  return null;
}

// A Date ahead of our arrival is impossible whatever the path, so the future is measured from now.
// The past is measured, as SpamAssassin's DATE_IN_PAST rules do, from a Received date: when the
// message's first hop stamped it. Mail re-sent long after it was written (a replayed archive, an old
// message redirected, a corpus) keeps a Date as old as its own trace, and is not late.
function dateHits(value: string | null, now: number, sentAt: number): Hit[] {
  if (value === null) return [{ name: "MISSING_DATE", score: 1.0 }];
  const time = Date.parse(value);
  if (!RFC5322_DATE.test(value) || Number.isNaN(time)) return [{ name: "INVALID_DATE", score: 0.8, detail: value.slice(0, 60) }];
  const ahead = time - now;
  // Spam dated ahead sorts to the top of a date-ordered inbox. Clocks are wrong by hours, not days.
  if (ahead > 48 * HOUR) return [{ name: "DATE_IN_FUTURE_48_XX", score: 2.0 }];
  if (ahead > 12 * HOUR) return [{ name: "DATE_IN_FUTURE_12_48", score: 1.0 }];
  // Mailing lists and moderation queues deliver days late; weeks late is a replayed or forged date.
  if (sentAt - time > 30 * 24 * HOUR) return [{ name: "DATE_IN_PAST_30D", score: 0.8 }];
  return [];
}

function messageIdHits(value: string | null): Hit[] {
  if (value === null) return [{ name: "MISSING_MID", score: 0.5 }];
  if (!MESSAGE_ID.test(value)) return [{ name: "INVALID_MSGID", score: 0.6, detail: value.slice(0, 60) }];
  return [];
}

function fromHits(fromHeader: string | null, replyToHeader: string | null, localDomains: string[]): Hit[] {
  if (fromHeader === null) return [{ name: "MISSING_FROM", score: 1.0 }];
  const from = addressParser(fromHeader)[0];
  const address = from && "address" in from ? from.address : undefined;
  const domain = addressDomain(address);
  if (!from || !domain) return [{ name: "FROM_NO_ADDRESS", score: 1.0, detail: fromHeader.slice(0, 60) }];
  const hits: Hit[] = [];
  const name = from.name ?? "";

  // "support@paypal.com <x@evil.example>": the name shows an address of another organization.
  const shown = EMAIL_IN_TEXT.exec(name);
  if (shown && orgDomain(shown[1]!) !== orgDomain(domain)) hits.push({ name: "FROM_NAME_FORGED_ADDR", score: 2.0, detail: shown[0] });
  const brand = claimedBrand(name, domain);
  if (brand) hits.push({ name: "FROM_NAME_BRAND_MISMATCH", score: 1.0, detail: `${brand} / ${domain}` });
  const imitated = lookalikeTarget(domain, localDomains);
  if (imitated) hits.push({ name: "FROM_LOOKALIKE_DOMAIN", score: 2.5, detail: `${domain} ~ ${imitated}` });

  if (replyToHeader !== null) {
    const replyTo = addressParser(replyToHeader)[0];
    const replyDomain = addressDomain(replyTo && "address" in replyTo ? replyTo.address : undefined);
    // Replies steered to a free mailbox away from the organization the From names.
    if (replyDomain && orgDomain(replyDomain) !== orgDomain(domain) && isFreemail(replyDomain)) {
      hits.push({ name: "FREEMAIL_FORGED_REPLYTO", score: 1.2, detail: replyDomain });
    }
  }
  return hits;
}

export const headersCheck: Check = (input, ctx) => {
  const h = ctx.headers;
  return [
    // Over SMTP the topmost Received is ours; below it, the sender's trace.
    ...dateHits(firstField(h, "date"), ctx.now, (input.client ? firstHopTime(h, ctx.now) : null) ?? ctx.now),
    ...messageIdHits(firstField(h, "message-id")),
    ...fromHits(firstField(h, "from"), firstField(h, "reply-to"), input.localDomains),
  ];
};
