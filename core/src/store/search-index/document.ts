// What the index holds of one message, column by column (the order of the FTS5 table's columns in
// migrations/shard/0005_search.sql). Text is bounded per message so that one enormous mail cannot
// make its filing, or the index, unreasonably large: a reader finds a message by what is near the top.
import type { MailAddress } from "../../../../shared/api.ts";
import { htmlVisibleText } from "../../mail-format/html-text.ts";
import { toIndexText } from "./search-text.ts";

/** The index's columns; a field operator (from:, to:, cc:, subject:, filename:) names one. */
export const SEARCH_COLUMNS = ["subject", "sender", "recipients", "cc", "filenames", "body", "attachments"] as const;
export type SearchColumn = (typeof SEARCH_COLUMNS)[number];

/** Characters of body text indexed per message, and of attachment text (all attachments together). */
export const MAX_BODY_CHARS = 200_000;
export const MAX_ATTACHMENT_CHARS = 200_000;

export interface SearchSource {
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  text: string | null;
  html: string | null;
  attachments: { filename: string; text?: string | null }[];
}

export type SearchDocument = Record<SearchColumn, string>;

const addresses = (list: MailAddress[]) => list.map((a) => `${a.name} ${a.address}`).join(" ; ");

/** The message's body as a reader sees it: the text part, else the HTML's visible text. */
export function bodyText(text: string | null, html: string | null, max = MAX_BODY_CHARS): string {
  if (text && text.trim().length > 0) return text.slice(0, max);
  // The HTML is cut before it is read (linear anyway): a few times the text it may give.
  return html ? htmlVisibleText(html.slice(0, max * 4)).slice(0, max) : "";
}

export function searchDocument(m: SearchSource): SearchDocument {
  let budget = MAX_ATTACHMENT_CHARS;
  const attachmentText: string[] = [];
  for (const a of m.attachments) {
    if (!a.text || budget <= 0) continue;
    attachmentText.push(a.text.slice(0, budget));
    budget -= a.text.length;
  }
  return {
    subject: toIndexText(m.subject),
    sender: toIndexText(m.from ? addresses([m.from]) : ""),
    recipients: toIndexText(addresses(m.to)),
    cc: toIndexText(addresses(m.cc)),
    filenames: toIndexText(m.attachments.map((a) => a.filename).join(" ; ")),
    body: toIndexText(bodyText(m.text, m.html)),
    attachments: toIndexText(attachmentText.join("\n")),
  };
}
