// HTTP Range requests (RFC 9110 §14) for attachments: one byte range, as mail clients and media
// players ask for. Multiple ranges are answered with the whole body, which the RFC allows.

export type RangeResult =
  | { kind: "full" }
  | { kind: "partial"; offset: number; length: number }
  | { kind: "unsatisfiable" };

export function parseRange(header: string | undefined | null, size: number): RangeResult {
  if (!header) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // A syntactically invalid or multi-range header is ignored (§14.2), not an error.
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "full" };
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return size === 0 ? { kind: "unsatisfiable" } : { kind: "partial", offset: size - length, length };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return { kind: "unsatisfiable" };
  if (end < start) return { kind: "full" };
  return { kind: "partial", offset: start, length: end - start + 1 };
}
