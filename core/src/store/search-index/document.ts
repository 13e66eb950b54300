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

/** Characters of an HTML-only body's visible text kept for search's snippets (message_bodies.html_text):
 * the stretch a snippet looks through for a match (search/highlight.ts, 16,000) and the most it shows
 * past it, so a snippet made from the kept start is the one the whole text gives. */
export const HTML_TEXT_CHARS = 17_000;

const hasText = (text: string | null): text is string => text !== null && text.trim().length > 0;

/** The message's body as a reader sees it: the text part, else the HTML's visible text. */
export function bodyText(text: string | null, html: string | null, max = MAX_BODY_CHARS): string {
  if (hasText(text)) return text.slice(0, max);
  // The HTML is cut before it is read (linear anyway): a few times the text it may give.
  return html ? htmlVisibleText(html.slice(0, max * 4)).slice(0, max) : "";
}

export interface IndexedMessage {
  doc: SearchDocument;
  /** The start of the visible text of an HTML-only body, for message_bodies.html_text (null when the
   * message has a text body, or no body). */
  htmlText: string | null;
}

/** What filing writes for search: the document, and the snippets' text of an HTML-only body, which
 * comes with the document's body for free (the HTML is parsed once, at filing, not per query). */
export function indexMessage(m: SearchSource): IndexedMessage {
  const body = bodyText(m.text, m.html);
  return { doc: documentOf(m, body), htmlText: !hasText(m.text) && m.html ? body.slice(0, HTML_TEXT_CHARS) : null };
}

export function searchDocument(m: SearchSource): SearchDocument {
  return documentOf(m, bodyText(m.text, m.html));
}

function documentOf(m: SearchSource, body: string): SearchDocument {
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
    body: toIndexText(body),
    attachments: toIndexText(attachmentText.join("\n")),
  };
}
