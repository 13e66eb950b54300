// Look-alike domains: a sender domain built to be read as one the recipient trusts (their own
// domain, or a much-phished brand): "paypa1.com", "rnicrosoft.com", "pаypal.com" with a Cyrillic а.
// Written by hand: no maintained npm package covers Unicode confusables and keyboard-distance
// look-alikes together, and the few dozen mappings below catch what phishing uses in practice.
import { domainParts, unicodeHost } from "./domains.ts";

export interface Brand {
  /** How the brand appears in a display name, lower-case ("bank of america"). */
  name: string;
  /** The labels of the organizational domains the brand really mails from ("paypal" covers paypal.de). */
  labels: string[];
}

// Brands phishing impersonates most (APWG and vendor reports); a short list on purpose: each entry
// is a chance of a false hit on a real sender that happens to carry a similar name.
export const BRANDS: Brand[] = [
  { name: "paypal", labels: ["paypal", "paypal-communication", "paypal-community"] },
  { name: "apple", labels: ["apple", "icloud", "me", "mac", "itunes"] },
  { name: "microsoft", labels: ["microsoft", "outlook", "live", "hotmail", "office", "office365", "microsoftonline", "msn", "xbox"] },
  { name: "office 365", labels: ["microsoft", "office", "office365", "microsoftonline", "outlook"] },
  { name: "amazon", labels: ["amazon", "amazonaws", "aws", "audible"] },
  { name: "google", labels: ["google", "gmail", "googlemail", "youtube", "googlegroups"] },
  { name: "netflix", labels: ["netflix"] },
  { name: "facebook", labels: ["facebook", "facebookmail", "meta", "fb"] },
  { name: "instagram", labels: ["instagram", "facebookmail"] },
  { name: "linkedin", labels: ["linkedin"] },
  { name: "dropbox", labels: ["dropbox", "dropboxmail"] },
  { name: "docusign", labels: ["docusign"] },
  { name: "ebay", labels: ["ebay"] },
  { name: "dhl", labels: ["dhl"] },
  { name: "fedex", labels: ["fedex"] },
  { name: "usps", labels: ["usps"] },
  { name: "wells fargo", labels: ["wellsfargo", "wf"] },
  { name: "bank of america", labels: ["bankofamerica", "bofa"] },
  { name: "coinbase", labels: ["coinbase"] },
  { name: "binance", labels: ["binance"] },
];

// Characters drawn to look like Latin letters (Unicode TR39 confusables, the ones seen in domains).
const CONFUSABLE: Record<string, string> = {
  "а": "a", "ɑ": "a", "α": "a", "в": "b", "Ь": "b", "с": "c", "ϲ": "c", "ԁ": "d", "е": "e", "ё": "e", "ε": "e",
  "ɡ": "g", "һ": "h", "і": "i", "ı": "i", "ɩ": "i", "ј": "j", "к": "k", "κ": "k", "ӏ": "l", "м": "m", "п": "n",
  "ո": "n", "η": "n", "о": "o", "ο": "o", "σ": "o", "օ": "o", "р": "p", "ρ": "p", "ԛ": "q", "г": "r", "ѕ": "s",
  "т": "t", "τ": "t", "υ": "u", "ս": "u", "ν": "v", "ѵ": "v", "ԝ": "w", "ω": "w", "х": "x", "χ": "x", "у": "y",
  "ү": "y", "γ": "y", "ʐ": "z", "ᴢ": "z",
  "0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "|": "l",
};

/** What a domain label looks like to a reader: confusables folded to Latin, diacritics and the
 * letter pairs that read as one letter ("rn" → "m", "vv" → "w") folded too, "i" read as "l". */
export function skeleton(label: string): string {
  let out = "";
  for (const ch of label.normalize("NFKD").toLowerCase()) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x300 && code <= 0x36f) continue; // combining marks: "pаypál" reads as "paypal"
    out += CONFUSABLE[ch] ?? ch;
  }
  return out.replace(/rn/g, "m").replace(/vv/g, "w").replace(/cl/g, "d").replace(/i/g, "l").replace(/-/g, "");
}

/** True when a becomes b by one substitution, insertion, deletion or swap of neighbours. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

// Edit-distance look-alikes of short labels are mostly other real names ("ample" vs "apple").
const MIN_EDIT_LENGTH = 6;

/** `label` with its skeleton, which is made once per sender rather than once per brand compared. */
type Label = { label: string; skeleton: string };

function imitates(sender: Label, target: Label): boolean {
  if (sender.label === target.label) return false;
  if (sender.skeleton === target.skeleton) return true;
  return target.label.length >= MIN_EDIT_LENGTH && oneEditApart(sender.label, target.label);
}

const labelOf = (label: string): Label => ({ label, skeleton: skeleton(label) });
let brandLabels: Label[] | null = null;

/** The domain or brand a sender domain imitates, or null. `protectedDomains` are the recipient's own. */
export function lookalikeTarget(domain: string, protectedDomains: string[]): string | null {
  const sender = domainParts(unicodeHost(domain));
  const senderLabel = labelOf(sender.label);
  for (const own of protectedDomains) {
    const target = domainParts(own);
    if (sender.org === target.org) return null;
    if (imitates(senderLabel, labelOf(target.label))) return target.org;
  }
  if (BRANDS.some((b) => b.labels.includes(sender.label))) return null;
  brandLabels ??= BRANDS.map((b) => labelOf(b.labels[0]!));
  for (const [i, brand] of BRANDS.entries()) {
    if (imitates(senderLabel, brandLabels[i]!)) return brand.name;
  }
  return null;
}

/** The brand a display name claims when the sender's domain is not one of that brand's. */
export function claimedBrand(displayName: string, senderDomain: string): string | null {
  const name = ` ${displayName.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  const label = domainParts(senderDomain).label;
  for (const brand of BRANDS) {
    if (name.includes(` ${brand.name} `) && !brand.labels.includes(label)) return brand.name;
  }
  return null;
}
