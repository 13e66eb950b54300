// The originator fields of a message's header: From and Sender (RFC 5322 §3.6.2) and the resent
// block's Resent-From and Resent-Sender (§3.6.6), the fields a mail client shows as who sent it.
// Both SMTP doors read them here. §3.6 allows exactly one From and at most one Sender: a second From
// is a known way to show the reader a sender other than the one DMARC checked (the checker and the
// client each pick a different one), so the MX refuses such mail, as Gmail does, and submission
// refuses it too.
import { headerSection } from "../mail-format/raw-message.ts";
import type { SmtpReply } from "./reply.ts";

export interface OriginatorFields {
  /** Each field's unfolded value, in header order. */
  from: string[];
  sender: string[];
  resentFrom: string[];
  resentSender: string[];
}

const NAMES: Record<string, keyof OriginatorFields> = { from: "from", sender: "sender", "resent-from": "resentFrom", "resent-sender": "resentSender" };

/** A field's name is printable ASCII but the colon; RFC 5322 §4.5 (obsolete syntax, which readers
 * still accept) allows blanks before the colon, so "From :" counts as a From as well. */
const FIELD = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:(.*)$/s;

export function originatorFields(raw: Buffer): OriginatorFields {
  const fields: OriginatorFields = { from: [], sender: [], resentFrom: [], resentSender: [] };
  // The field a folded line continues, and its index in its list.
  let open: { list: string[]; index: number } | null = null;
  for (const line of headerSection(raw).split("\r\n")) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (open) open.list[open.index] += line;
      continue;
    }
    const m = FIELD.exec(line);
    const key = m ? NAMES[m[1]!.toLowerCase()] : undefined;
    if (!m || !key) {
      open = null;
      continue;
    }
    const list = fields[key];
    open = { list, index: list.push(m[2]!) - 1 };
  }
  return fields;
}

/** The originator field that appears more often than RFC 5322 §3.6 allows, or null. */
export function repeatedOriginator(fields: OriginatorFields): "From" | "Sender" | null {
  if (fields.from.length > 1) return "From";
  if (fields.sender.length > 1) return "Sender";
  return null;
}

/** The MX's answer to a message with a second From or Sender (end of DATA, before the spool). */
export function inboundOriginatorRefusal(raw: Buffer): SmtpReply | null {
  const repeated = repeatedOriginator(originatorFields(raw));
  return repeated ? { code: 550, status: "5.7.1", text: `message not accepted: multiple ${repeated} headers (RFC 5322 section 3.6 allows one)` } : null;
}
