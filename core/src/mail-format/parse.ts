// Parsing: the raw RFC 5322 bytes → what the mailbox shows (for the pipeline's parse stage, and for the
// mailbox's drafts, DSNs and spam lessons, so it sits below both). Real mail is messy (broken
// charsets, 8-bit junk, missing headers, malformed MIME); nothing here may throw a message away. When
// the parser gives up, the message is still filed, with its raw bytes, under a plain description.
import { createHash } from "node:crypto";
import PostalMime, { type Address as PostalAddress, type Email } from "postal-mime";
import type { MailAddress } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import { attachmentRisk, type AttachmentRisk } from "./attachment-risk.ts";
import { htmlVisibleText } from "./html-text.ts";
import { headerSection } from "./raw-message.ts";

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  disposition: "attachment" | "inline";
  contentId: string | null;
  bytes: Uint8Array;
  sha256: string;
  /** Why opening it could harm the reader (executable, macro document …), or null. */
  risk: AttachmentRisk | null;
}

export interface ParsedMail {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  /** Only the sender's own copy has Bcc (prepare-outbound.ts keeps it in Sent). */
  bcc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  sentAt: number | null;
  messageIdHeader: string | null;
  inReplyTo: string | null;
  /** The Message-IDs of the References header, `<…>` each, oldest first (see referencedIds). */
  references: string[];
  text: string | null;
  html: string | null;
  snippet: string;
  attachments: ParsedAttachment[];
  /** Set when the MIME structure could not be parsed; the raw message is still kept. */
  parseError: string | null;
}

function flatten(list: PostalAddress[] | PostalAddress | undefined): MailAddress[] {
  const items = list === undefined ? [] : Array.isArray(list) ? list : [list];
  return items.flatMap((a) => (a.group ? a.group : [a])).map((m) => ({ name: m.name ?? "", address: m.address ?? "" }));
}

const EXTENSIONS: Record<string, string> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "text/plain": "txt",
  "text/html": "html",
  "text/calendar": "ics",
  "message/rfc822": "eml",
  "application/zip": "zip",
};

export function makeSnippet(text: string | null, html: string | null): string {
  // Linear in the HTML (spam HTML is hostile: a regex over unclosed <style> tags was quadratic).
  const source = text ?? (html ? htmlVisibleText(html) : "");
  const max = limits.snippetLength;
  // Whitespace is collapsed in a growing prefix rather than the whole text (megabytes, for the
  // first 200 characters): once the prefix gives more than `max`, its first `max` are the whole
  // text's, a run of whitespace cut at the prefix's end being one space either way.
  for (let end = 4 * max; ; end *= 4) {
    const collapsed = source.slice(0, end).replace(/\s+/g, " ").trimStart();
    if (collapsed.length > max || end >= source.length) return collapsed.trimEnd().slice(0, max);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function oneLine(value: string | undefined, max = 998): string {
  return (value ?? "").replace(/[\r\n\t]+/g, " ").trim().slice(0, max);
}

/** References grows by one id per reply; past this many, the thread's root and the latest are kept,
 * as RFC 5322 §3.6.4 suggests a client trims it. */
const MAX_REFERENCES = 50;

/** The `<id>` tokens of a References header (whitespace inside one, from folding, removed). */
export function referencedIds(value: string | undefined): string[] {
  const ids = [...(value ?? "").matchAll(/<[^<>]+>/g)].map((m) => m[0].replace(/\s+/g, ""));
  return ids.length > MAX_REFERENCES ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
}

function bodySection(raw: Uint8Array): string | null {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const split = bytes.indexOf("\r\n\r\n");
  if (split === -1) return null;
  const body = new TextDecoder("utf-8").decode(bytes.subarray(split + 4, split + 4 + 1024 * 1024)).trim();
  return body.length > 0 ? body : null;
}

export interface ParsedHeaders {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  messageIdHeader: string | null;
}

/** The addressing headers alone, without decoding the body or its attachments: for checks on the
 * SMTP path and for quoting a message in a DSN. */
export async function parseHeaders(raw: Uint8Array): Promise<ParsedHeaders> {
  const email = await PostalMime.parse(headerSection(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)) + "\r\n");
  return {
    from: flatten(email.from)[0] ?? null,
    to: flatten(email.to),
    cc: flatten(email.cc),
    subject: oneLine(email.subject),
    messageIdHeader: email.messageId ? oneLine(email.messageId) : null,
  };
}

/** The ArrayBuffer that `raw` fills alone, if it does: postal-mime copies a view before parsing, but
 * reads an ArrayBuffer in place (it never writes to it), and a copy of each message is memory the
 * pipeline thread holds until V8 collects it (README "Memory of a core"). */
function ownBuffer(raw: Uint8Array): ArrayBuffer | null {
  return raw.buffer instanceof ArrayBuffer && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw.buffer : null;
}

export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  let email: Email;
  try {
    email = await PostalMime.parse(ownBuffer(raw) ?? raw, { attachmentEncoding: "arraybuffer" });
  } catch (err) {
    const text = new TextDecoder("utf-8").decode(raw.subarray(0, 1024 * 1024));
    return {
      from: null,
      to: [],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: "(message could not be parsed)",
      sentAt: null,
      messageIdHeader: null,
      inReplyTo: null,
      references: [],
      text,
      html: null,
      snippet: makeSnippet(text, null),
      attachments: [],
      parseError: err instanceof Error ? err.message : String(err),
    };
  }
  const sentAt = email.date ? Date.parse(email.date) : NaN;
  const attachments = email.attachments.map((a, i): ParsedAttachment => {
    const bytes =
      a.content instanceof Uint8Array ? a.content : typeof a.content === "string" ? new TextEncoder().encode(a.content) : new Uint8Array(a.content);
    const contentType = a.mimeType || "application/octet-stream";
    const filename = oneLine(a.filename ?? undefined, 255) || `attachment-${i + 1}.${EXTENSIONS[contentType] ?? "bin"}`;
    return {
      filename,
      contentType,
      disposition: a.disposition === "inline" || a.related ? "inline" : "attachment",
      contentId: a.contentId ?? null,
      bytes,
      sha256: sha256(bytes),
      // Judged on the name as the sender wrote it (control characters and all), before tidying.
      risk: attachmentRisk({ filename: a.filename ?? undefined, contentType, bytes }),
    };
  });
  // A multipart whose parts cannot be found (a wrong boundary) parses to nothing; show its body as
  // text rather than an empty message, as other clients do.
  const text = email.text ?? (email.html || attachments.length > 0 ? null : bodySection(raw));
  const html = email.html ?? null;
  const from = flatten(email.from)[0] ?? null;
  return {
    from,
    to: flatten(email.to),
    cc: flatten(email.cc),
    bcc: flatten(email.bcc),
    replyTo: flatten(email.replyTo),
    subject: oneLine(email.subject),
    sentAt: Number.isFinite(sentAt) ? sentAt : null,
    messageIdHeader: email.messageId ? oneLine(email.messageId) : null,
    inReplyTo: email.inReplyTo ? oneLine(email.inReplyTo) : null,
    references: referencedIds(email.references),
    text,
    html,
    snippet: makeSnippet(text, html),
    attachments,
    parseError: null,
  };
}
