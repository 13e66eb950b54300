// The cursor of a search page: where the last page ended, in the order of the plan that made it (a
// keyset, so pages neither repeat nor skip while mail arrives), and a fingerprint of the query, so a
// cursor used with another query is refused rather than silently mixed. Opaque to clients.
import { createHash } from "node:crypto";
import { fromBase64Url, toBase64Url, utf8 } from "../../../shared/encoding.ts";
import { isUuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";

export type SearchPosition =
  /** Newest first by doc id (the index's order). */
  | { k: "d"; d: number }
  /** Newest first in a folder's listing order. */
  | { k: "f"; t: number; m: string }
  /** By relevance: the bm25 score and doc id of the last result. */
  | { k: "r"; s: number; d: number };

export function queryFingerprint(q: string, sort: string): string {
  return createHash("sha256").update(`${sort}\n${q}`).digest("base64url").slice(0, 8);
}

export function encodeSearchCursor(fingerprint: string, at: SearchPosition): string {
  return toBase64Url(utf8(JSON.stringify({ q: fingerprint, ...at })));
}

function refused(message: string): ProblemError {
  return new ProblemError("validation", `cursor ${message}; start again without it.`, { errors: [{ field: "query.cursor", message }] });
}

export function decodeSearchCursor(cursor: string, fingerprint: string): SearchPosition {
  let value: Record<string, unknown> | null = null;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(cursor))) as Record<string, unknown>;
  } catch {
    // refused below
  }
  const int = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v);
  const valid =
    value !== null &&
    typeof value === "object" &&
    ((value.k === "d" && int(value.d)) ||
      (value.k === "f" && int(value.t) && typeof value.m === "string" && isUuidv7(value.m)) ||
      (value.k === "r" && typeof value.s === "number" && Number.isFinite(value.s) && int(value.d)));
  if (!valid) throw refused("is not one this API returned");
  if (value!.q !== fingerprint) throw refused("belongs to another query or sort order");
  const { q: _, ...at } = value!;
  return at as SearchPosition;
}
