// The MIME structure of a message, measured before 250 and refused past shared/limits.ts: parts,
// nesting depth and attachments. The parser in the pipeline (postal-mime) pays for every part (100,000
// tiny parts in 4 MB took it 3.5 s here; 25 MB of them much more) and every attachment costs an R2
// write and a row; this scan costs one pass over the bytes. It reads header fields and boundary lines
// only, finding the boundaries the parser would (mime-params.ts), so that no message looks smaller to
// it than to the parser: lines that merely look like boundaries in a body (in a quoted-printable
// text, say) count only when they are the delimiter of an enclosing multipart, as for the parser.
// A message/rfc822 part is a message of its own, one level down; sent base64 or quoted-printable
// (which RFC 2046 §5.2.1 forbids, but the parser decodes and reads) it is decoded to be measured.
// Malformed MIME (no closing delimiter, no boundary) is measured as far as it goes, never refused.
import { limits } from "../../../shared/limits.ts";
import { parseStructured } from "./mime-params.ts";

export interface MimeLimits {
  maxParts: number;
  maxDepth: number;
  maxAttachments: number;
}

export type MimeExcess = { limit: "parts" | "depth" | "attachments"; max: number };

const DEFAULT_LIMITS: MimeLimits = { maxParts: limits.maxMimeParts, maxDepth: limits.maxMimeDepth, maxAttachments: limits.maxAttachments };
/** postal-mime reads inline message/rfc822 parts this many levels deep; deeper ones are attachments. */
const PARSER_RFC822_LEVELS = 10;
const NEEDED = new Set(["content-type", "content-disposition", "content-transfer-encoding"]);

/** The first limit the message goes past, or null. */
export function mimeLimitExceeded(message: Buffer, max: MimeLimits = DEFAULT_LIMITS): MimeExcess | null {
  const scan = new Scan(max);
  scan.message(message, 0, 0);
  return scan.excess;
}

interface Multipart {
  boundary: Buffer;
  depth: number;
  /** How many message/rfc822 levels down it is. */
  level: number;
  subtype: string;
}

interface Encoded {
  encoding: string;
  depth: number;
  level: number;
}

interface Entity {
  depth: number;
  level: number;
  /** The subtype of the multipart it is a part of (digest parts default to message/rfc822). */
  parent: string | null;
  fields: Map<string, string>;
  lastField: string | null;
}

class Scan {
  readonly #max: MimeLimits;
  #parts = 0;
  #attachments = 0;
  excess: MimeExcess | null = null;

  constructor(max: MimeLimits) {
    this.#max = max;
  }

  message(bytes: Buffer, depth: number, level: number): void {
    const open: Multipart[] = [];
    let entity: Entity | null = this.#start(depth, level, null);
    // The lines of a base64 or quoted-printable message/rfc822 part, measured once it ends.
    let encoded: (Encoded & { chunks: Buffer[] }) | null = null;
    const flushEncoded = (part: (Encoded & { chunks: Buffer[] }) | null) => {
      if (!part) return;
      const body = Buffer.concat(part.chunks);
      this.message(part.encoding === "base64" ? Buffer.from(body.toString("latin1"), "base64") : decodeQuotedPrintable(body), part.depth + 1, part.level + 1);
    };

    for (let start = 0; start < bytes.length && !this.excess; ) {
      const lineStart = start;
      const lf = bytes.indexOf(0x0a, start);
      start = lf === -1 ? bytes.length : lf + 1;
      let end = lf === -1 ? bytes.length : lf;
      while (end > lineStart && bytes[end - 1] === 0x0d) end--;
      const line = bytes.subarray(lineStart, end);

      const delimiter = line.length > 2 && line[0] === 0x2d && line[1] === 0x2d && open.length > 0 ? matchDelimiter(open, line) : null;
      if (delimiter) {
        // Whatever was being read ends here: a header cut short leaves a plain part.
        if (entity) this.#endHeader(entity, open, true);
        entity = null;
        flushEncoded(encoded);
        encoded = null;
        const multipart = open[delimiter.index]!;
        open.length = delimiter.index + (delimiter.last ? 0 : 1);
        if (!delimiter.last) entity = this.#start(multipart.depth + 1, multipart.level, multipart.subtype);
      } else if (entity && line.length > 0) {
        collectField(entity, line);
      } else if (entity) {
        const then = this.#endHeader(entity, open, false);
        entity = null;
        if (then?.kind === "message") entity = this.#start(then.depth + 1, then.level + 1, null);
        else if (then?.kind === "encoded") encoded = { ...then, chunks: [] };
      } else if (encoded) {
        encoded.chunks.push(bytes.subarray(lineStart, start));
      }
    }
    if (this.excess) return;
    if (entity) this.#endHeader(entity, open, true);
    flushEncoded(encoded);
  }

  #start(depth: number, level: number, parent: string | null): Entity | null {
    if (++this.#parts > this.#max.maxParts) this.excess ??= { limit: "parts", max: this.#max.maxParts };
    else if (depth > this.#max.maxDepth) this.excess ??= { limit: "depth", max: this.#max.maxDepth };
    return this.excess ? null : { depth, level, parent, fields: new Map(), lastField: null };
  }

  /** At the end of a part's header: a multipart opens, a message/rfc822 part goes on as a message
   * one level down (in the lines that follow, or decoded), anything else is a leaf. */
  #endHeader(entity: Entity, open: Multipart[], cut: boolean): { kind: "message"; depth: number; level: number } | (Encoded & { kind: "encoded" }) | null {
    const type = parseStructured(entity.fields.get("content-type") ?? (entity.parent === "digest" ? "message/rfc822" : "text/plain"));
    const disposition = parseStructured(entity.fields.get("content-disposition") ?? "").value;
    if (type.value.startsWith("multipart/")) {
      const boundary = type.params.get("boundary");
      if (!cut && boundary) open.push({ boundary: Buffer.from(boundary, "utf8"), depth: entity.depth, level: entity.level, subtype: type.value.slice("multipart/".length) });
      return null;
    }
    if (!cut && (type.value === "message/rfc822" || type.value === "message/global")) {
      const encoding = (/[\w-]+/.exec(parseStructured(entity.fields.get("content-transfer-encoding") ?? "").value) ?? [""])[0];
      if (encoding !== "base64" && encoding !== "quoted-printable") return { kind: "message", depth: entity.depth, level: entity.level };
      // Encoded, the parser reads it only inline and only so deep; otherwise it is an attachment.
      if ((disposition === "" || disposition === "inline") && entity.level < PARSER_RFC822_LEVELS) return { kind: "encoded", encoding, depth: entity.depth, level: entity.level };
    }
    const inlineText = disposition !== "attachment" && (type.value === "text/plain" || type.value === "text/html");
    if (!inlineText && ++this.#attachments > this.#max.maxAttachments) this.excess ??= { limit: "attachments", max: this.#max.maxAttachments };
    return null;
  }
}

/** A header line of a part: the fields that decide its structure are kept (the first of each, as the
 * parser does), folded lines joined to them without their line break. */
function collectField(entity: Entity, line: Buffer): void {
  if (line[0] === 0x20 || line[0] === 0x09) {
    if (entity.lastField) entity.fields.set(entity.lastField, entity.fields.get(entity.lastField)! + line.toString("utf8"));
    return;
  }
  entity.lastField = null;
  const text = line.toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return;
  const name = text.slice(0, colon).replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
  if (!NEEDED.has(name) || entity.fields.has(name)) return;
  entity.fields.set(name, text.slice(colon + 1));
  entity.lastField = name;
}

/** "--boundary" (or "--boundary--", the last) of an open multipart, innermost first, followed only
 * by blanks: the parser's rule. */
function matchDelimiter(open: Multipart[], line: Buffer): { index: number; last: boolean } | null {
  for (let i = open.length - 1; i >= 0; i--) {
    const b = open[i]!.boundary;
    if (line.length < b.length + 2 || !line.subarray(2, 2 + b.length).equals(b)) continue;
    let end = b.length + 2;
    const last = line.length >= b.length + 4 && line[end] === 0x2d && line[end + 1] === 0x2d;
    if (last) end += 2;
    let blanks = true;
    for (let j = end; j < line.length && blanks; j++) blanks = line[j] === 0x20 || line[j] === 0x09;
    if (blanks) return { index: i, last };
  }
  return null;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString("latin1").replace(/=\r?\n/g, "");
  return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), "latin1");
}
