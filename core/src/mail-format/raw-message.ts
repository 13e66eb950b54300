// The two parts of an RFC 5322 message as bytes: the header section (up to and including the CRLF
// of its last line) and the body after the empty line.
export function splitMessage(raw: Buffer): { head: string; body: Buffer } {
  const end = raw.indexOf("\r\n\r\n");
  return end === -1 ? { head: raw.toString("utf8"), body: Buffer.alloc(0) } : { head: raw.subarray(0, end + 2).toString("utf8"), body: raw.subarray(end + 2) };
}

/** The header section, as a DSN quotes it and as header-only parsing reads it. */
export function headerSection(raw: Buffer): string {
  return splitMessage(raw).head;
}
