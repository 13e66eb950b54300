// The header section of a raw message as a list of fields, read directly from the bytes: the parsed
// mail keeps only the addressing headers, and the checks also need Received, Date as written,
// X-Mailer, List-*, … Reading them here costs a few microseconds, far less than a second MIME parse.
import { decodeWords } from "postal-mime";

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded, trimmed, RFC 2047 encoded-words decoded. */
  value: string;
}

// A header section larger than this is abuse; the fields after it are not looked at.
const MAX_HEADER_BYTES = 256 * 1024;

/** Where the header section ends (the index of its terminating empty line), for CRLF and bare-LF mail. */
export function headerEnd(raw: Buffer): number {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES);
  for (let i = 0; i < limit; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return i + 1;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 1;
  }
  return limit;
}

const FIELD_NAME = /^[!-9;-~]+$/;

export function readHeaderFields(raw: Buffer): HeaderField[] {
  const lines = raw.subarray(0, headerEnd(raw)).toString("utf8").split(/\r?\n/);
  const fields: HeaderField[] = [];
  let current: { name: string; parts: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const value = current.parts.join(" ").replace(/\s+/g, " ").trim();
    fields.push({ name: current.name, value: value.includes("=?") ? safeDecodeWords(value) : value });
  };
  for (const line of lines) {
    if (line === "") continue;
    if ((line[0] === " " || line[0] === "\t") && current) {
      current.parts.push(line.trim());
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : "";
    // A field name is printable ASCII without spaces (RFC 5322 2.2): anything else (an mbox "From "
    // line, garbage) is not a field and is skipped.
    flush();
    if (!FIELD_NAME.test(name)) {
      current = null;
      continue;
    }
    current = { name: name.toLowerCase(), parts: [line.slice(colon + 1)] };
  }
  flush();
  return fields;
}

function safeDecodeWords(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

/** The value of the first field of that name (lower-case), or null. */
export function firstField(fields: HeaderField[], name: string): string | null {
  for (const f of fields) if (f.name === name) return f.value;
  return null;
}
