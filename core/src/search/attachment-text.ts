// The text of attachments for the search index: text/* attachments (HTML as its visible text) and
// PDFs. Read in the pipeline thread before the filing's transaction, once per distinct attachment
// (the same bytes sent to many users are read once); bounded in size and, for PDFs, in time.
import { htmlVisibleText } from "../mail-format/html-text.ts";
import { MAX_ATTACHMENT_CHARS } from "../store/search-index/document.ts";
import { PdfText } from "./pdf-text.ts";

/** Bytes of a text attachment read; text beyond the index's share of a message is never used. */
const MAX_TEXT_BYTES = 4 * MAX_ATTACHMENT_CHARS;

const TEXT_EXTENSIONS = /\.(txt|text|csv|tsv|md|markdown|log|ics|vcf|json|xml|html?)$/i;

export interface AttachmentBytes {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

let shared: PdfText | null = null;

/** Whether an attachment of this name and type may have text to index (before reading its bytes). */
export function mayHaveText(filename: string, contentType: string): boolean {
  const generic = contentType === "application/octet-stream";
  return contentType.startsWith("text/") || contentType === "application/pdf" || (generic && (TEXT_EXTENSIONS.test(filename) || /\.pdf$/i.test(filename)));
}

function isPdf(a: AttachmentBytes): boolean {
  const magic = Buffer.from(a.bytes.subarray(0, 1024)).toString("latin1").includes("%PDF-");
  return magic && (a.contentType === "application/pdf" || a.contentType === "application/octet-stream" || /\.pdf$/i.test(a.filename));
}

function isText(a: AttachmentBytes): boolean {
  return a.contentType.startsWith("text/") || (a.contentType === "application/octet-stream" && TEXT_EXTENSIONS.test(a.filename));
}

/** The attachment's text, or null for kinds that have none here (images, archives, office files). */
export async function attachmentText(a: AttachmentBytes, pdf: PdfText = (shared ??= new PdfText())): Promise<string | null> {
  if (isPdf(a)) return pdf.extract(a.bytes, MAX_ATTACHMENT_CHARS);
  if (!isText(a)) return null;
  const text = new TextDecoder("utf-8").decode(a.bytes.subarray(0, MAX_TEXT_BYTES));
  const visible = /html/i.test(a.contentType) || /\.html?$/i.test(a.filename) ? htmlVisibleText(text) : text;
  return visible.slice(0, MAX_ATTACHMENT_CHARS);
}

/** Texts of many attachments by content address (sha256), each read once. */
export async function attachmentTexts(list: (AttachmentBytes & { sha256: string })[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const a of list) {
    if (out.has(a.sha256)) continue;
    const text = await attachmentText(a);
    if (text) out.set(a.sha256, text);
  }
  return out;
}

/** A filing with the texts of its attachments (found by their content address, `att/sha256/<hex>`). */
export function withAttachmentTexts<F extends { attachments: { blobKey: string; text?: string | null }[] }>(filing: F, texts: Map<string, string>): F {
  if (texts.size === 0) return filing;
  return { ...filing, attachments: filing.attachments.map((a) => ({ ...a, text: texts.get(a.blobKey.slice(a.blobKey.lastIndexOf("/") + 1)) ?? null })) };
}
