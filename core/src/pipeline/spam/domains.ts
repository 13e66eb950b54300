// Domain facts the header and content checks share: the organizational domain (by the Public Suffix
// List, through tldts, as mailauth uses for DMARC alignment) and which providers give mailboxes away.
import { domainToUnicode } from "node:url";
import { parse } from "tldts";

export interface DomainParts {
  /** The registrable domain, e.g. "paypal.co.uk" for "mail.paypal.co.uk"; the host itself when unknown. */
  org: string;
  /** The label the owner chose, e.g. "paypal"; the first label when the suffix is unknown. */
  label: string;
}

export function domainParts(host: string): DomainParts {
  const h = host.toLowerCase().replace(/\.$/, "");
  const result = parse(h, { allowPrivateDomains: false, extractHostname: false });
  if (result.domain && result.domainWithoutSuffix) return { org: result.domain, label: result.domainWithoutSuffix };
  return { org: h, label: h.split(".")[0] ?? h };
}

export function orgDomain(host: string): string {
  return domainParts(host).org;
}

/** The domain of an address, lower-case, or null when the address has none. */
export function addressDomain(address: string | null | undefined): string | null {
  if (!address) return null;
  const at = address.lastIndexOf("@");
  if (at === -1 || at === address.length - 1) return null;
  return address.slice(at + 1).toLowerCase().replace(/[>\s]+$/, "");
}

/** An IDN in its Unicode form (xn-- labels decoded), so look-alikes are compared as a reader sees them. */
export function unicodeHost(host: string): string {
  if (!host.includes("xn--")) return host.toLowerCase();
  return domainToUnicode(host.toLowerCase()) || host.toLowerCase();
}

// Free mailbox providers: anyone can get an address there, so a Reply-To pointing at one while From
// claims another organization is the classic advance-fee and phishing set-up.
const FREEMAIL_DOMAINS = new Set([
  "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
  "mac.com", "mail.com", "gmx.com", "gmx.net", "gmx.de", "web.de", "yandex.com", "yandex.ru", "mail.ru", "inbox.ru",
  "list.ru", "bk.ru", "proton.me", "protonmail.com", "pm.me", "tutanota.com", "zoho.com", "qq.com", "163.com", "126.com",
  "sina.com", "rediffmail.com", "naver.com", "hanmail.net", "libero.it", "laposte.net", "orange.fr", "t-online.de",
  "rocketmail.com", "ymail.com", "lycos.com", "excite.com", "juno.com", "netzero.net", "usa.net", "email.com",
]);
// Providers that run the same service under many country suffixes (yahoo.co.uk, hotmail.fr, …).
const FREEMAIL_LABELS = new Set(["yahoo", "hotmail", "outlook", "live", "gmx", "yandex"]);

export function isFreemail(domain: string): boolean {
  const parts = domainParts(domain);
  return FREEMAIL_DOMAINS.has(parts.org) || FREEMAIL_LABELS.has(parts.label);
}
