// Recipients as people type and paste them: "Bob <bob@example.org>", bare addresses, lists split by
// commas, semicolons or lines (a comma inside a quoted name does not split). What is not an address
// stays as an invalid chip rather than being dropped.
import type { MailAddress } from "../../../shared/api.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import type { StoredRecipient } from "../state/compose.ts";

export type Recipient = StoredRecipient;

export function parseRecipient(raw: string): Recipient | null {
  const s = raw.trim();
  if (!s) return null;
  const angle = /^(.*?)<([^<>]*)>$/.exec(s);
  const name = angle ? angle[1]!.trim().replace(/^"(.*)"$/, "$1").trim() : "";
  const address = (angle ? angle[2]! : s).trim().replace(/^mailto:/i, "");
  return { name, address, valid: normalizeAddress(address) !== null && !/[\s,;<>"]/.test(address) };
}

/** Splits a typed or pasted list into recipients. */
export function parseRecipients(text: string): Recipient[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let angled = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "<" && !quoted) angled = true;
    else if (ch === ">" && !quoted) angled = false;
    if (!quoted && !angled && (ch === "," || ch === ";" || ch === "\n" || ch === "\r")) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map(parseRecipient).filter((r): r is Recipient => r !== null);
}

export const fromMailAddress = (a: MailAddress): Recipient => ({ name: a.name, address: a.address, valid: normalizeAddress(a.address) !== null });

export const sameAddress = (a: string, b: string) => (normalizeAddress(a) ?? a.toLowerCase()) === (normalizeAddress(b) ?? b.toLowerCase());

/** How a recipient goes to the API: an object when it has a name, the address alone otherwise. */
export const toInput = (r: Recipient) => (r.name ? { name: r.name, address: r.address } : r.address);

export const recipientLabel = (r: Recipient) => r.name || r.address;
