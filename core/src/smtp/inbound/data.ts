// DATA: what the MX does with the bytes between "DATA" and ".", before it may answer 250.
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import { rfc5322Date } from "../../mail-format/rfc5322-date.ts";
import { mimeLimitExceeded } from "../mime-structure.ts";
import { replies, type SmtpReply } from "../reply.ts";

/** Collects the message; past `maxBytes` it keeps reading (the client is still sending) but stops
 * keeping, so an oversized message costs no memory before it is refused with 552. */
export function readStream(stream: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on("data", (chunk: Buffer) => {
      if (kept + chunk.length > maxBytes) return;
      kept += chunk.length;
      chunks.push(chunk);
    });
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

/** The message of a DATA command in canonical form, or the reply that refuses it (too big, empty,
 * too many MIME parts, attachments or levels). The MX and submission take their messages in through
 * this, so both refuse what the pipeline should not have to parse before they answer 250. */
export async function receiveMessage(stream: Readable & { sizeExceeded: boolean }, maxBytes: number): Promise<{ message: Buffer } | { refuse: SmtpReply }> {
  const body = await readStream(stream, maxBytes);
  // smtp-server answers 552 itself (rejectOversized); this is the same answer should it not.
  if (stream.sizeExceeded) return { refuse: replies.tooBig(maxBytes) };
  if (isEmptyMessage(body)) return { refuse: replies.emptyMessage() };
  const message = canonicalLineEndings(body);
  const excess = mimeLimitExceeded(message);
  if (excess) return { refuse: replies.mimeLimit(excess) };
  return { message };
}

/** Nothing but line breaks and blanks: no header section, no body. Refused rather than filed blank. */
export function isEmptyMessage(body: Buffer): boolean {
  for (const b of body) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  return true;
}

/** Bare LF line endings (from clients that do not speak SMTP properly) become CRLF, so the stored
 * message is canonical RFC 5322. smtp-server only ends DATA on CRLF.CRLF, so a bare LF can never
 * end the message early (no SMTP smuggling). */
export function canonicalLineEndings(raw: Buffer): Buffer {
  let bare = 0;
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) if (i === 0 || raw[i - 1] !== 0x0d) bare++;
  if (bare === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x0a && (i === 0 || raw[i - 1] !== 0x0d)) out[o++] = 0x0d;
    out[o++] = b;
  }
  return out;
}

/** Header values we write must stay on one line, whatever a client sent as HELO. Non-ASCII stays:
 * internationalized addresses are UTF-8 in SMTPUTF8 mail. */
function headerSafe(value: string): string {
  return value.replace(/[\x00-\x20\x7f<>]/g, "?").slice(0, 255);
}

export interface TraceInfo {
  helo: string;
  clientAddress: string;
  hostname: string;
  protocol: string;
  id: string;
  recipients: string[];
  receivedAt: number;
}

/** The Received header (RFC 5321 §4.4) each hop adds on top. */
export function receivedHeader(t: TraceInfo): Buffer {
  const forClause = t.recipients.length === 1 ? `\r\n\tfor <${headerSafe(t.recipients[0]!)}>` : "";
  return Buffer.from(
    `Received: from ${headerSafe(t.helo) || "unknown"} ([${headerSafe(t.clientAddress)}])\r\n` +
      `\tby ${headerSafe(t.hostname)} (edgemail) with ${t.protocol} id ${t.id}${forClause};\r\n` +
      `\t${rfc5322Date(t.receivedAt)}\r\n`,
    "utf8",
  );
}

/** What the final delivery adds: Return-Path (the envelope sender) and Received. */
export function traceHeaders(t: TraceInfo & { mailFrom: string }): Buffer {
  return Buffer.concat([Buffer.from(`Return-Path: <${headerSafe(t.mailFrom)}>\r\n`, "utf8"), receivedHeader(t)]);
}
