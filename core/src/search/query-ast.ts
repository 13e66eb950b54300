// A parsed search query (Gmail's operators): what the parser (query-parser.ts) produces and the index
// (the FTS5 compiler) consumes. Plain data, so both sides can be built and tested apart.

export type TextField = "from" | "to" | "cc" | "subject" | "filename";

export type SearchNode =
  | { type: "and"; children: SearchNode[] }
  | { type: "or"; children: SearchNode[] }
  | { type: "not"; child: SearchNode }
  /** Free words (each a term) or an "exact phrase" (phrase: true), anywhere in the message. */
  | { type: "text"; value: string; phrase: boolean }
  /** A word or phrase in one field: from:/to:/cc: match names and addresses. */
  | { type: "field"; field: TextField; value: string; phrase: boolean }
  | { type: "has"; what: "attachment" }
  /** A folder by role (inbox, sent, drafts, trash, junk, archive) or by the user's folder name. */
  | { type: "in"; folder: string }
  | { type: "is"; flag: "unread" | "read" | "starred" }
  /** keyword:invoices — a keyword (label) set on the message by a filter, a mail app or the API,
   * compared case-insensitively as IMAP does (JMAP's hasKeyword). */
  | { type: "keyword"; value: string }
  /** before:/after: a calendar date (YYYY/MM/DD or YYYY-MM-DD), as UTC midnight in ms. */
  | { type: "date"; op: "before" | "after"; at: number }
  /** older_than:/newer_than: 7d, 2m, 1y — a span in ms, relative to the time of the search. */
  | { type: "age"; op: "older" | "newer"; ms: number }
  /** larger:/smaller: 10M, 500K, 1000 (bytes). */
  | { type: "size"; op: "larger" | "smaller"; bytes: number };

/** A query that does not parse: `position` is the 0-based index in the query of the offending
 * character (for the 400 answer, which names position and problem). */
export class SearchSyntaxError extends Error {
  readonly position: number;
  constructor(position: number, message: string) {
    super(message);
    this.name = "SearchSyntaxError";
    this.position = position;
  }
}
