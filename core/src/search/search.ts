// Searching one user's mail: the compiled query (compile.ts) runs as one SQL query in one of three
// plans, each reading only as far as the page needs:
//   - "index": words to find. FTS5 walks the user's range of the index newest first (rowid order is
//     date order, store/search-index/doc-ids.ts), each hit joined to its message for the other
//     filters, until the page is full: a common word costs a page, not its whole hit list. By relevance, bm25 ranks the newest
//     `searchRelevanceWindow` matches.
//   - "folder": no words, one folder (`in:sent is:unread`): the folder's listing index, newest first.
//   - "mailbox": no words, no folder (`larger:10M`, dates): the user's messages by doc id, newest
//     first; dates narrow the range.
// Then the page's rows and the first few thousand characters of their bodies are read (one query) for
// the results and their highlighted snippets, which parse no HTML (an HTML-only body's visible text was
// kept at filing); the few bodies whose snippet could lie further on are read again, further.
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { FolderRole, SearchPage, SearchResult, SearchSort } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { summaryJsonSql, summaryOfJson } from "../store/message-summary.ts";
import { folders, messageBodies } from "../store/shard-schema.ts";
import type { ShardDatabase } from "../store/shards.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import { BM25, compileQuery } from "./compile.ts";
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint, type SearchPosition } from "./cursor.ts";
import { docIdParam, secondOf, USER_SPAN, userRange } from "../store/search-index/doc-ids.ts";
import { htmlVisibleText } from "../mail-format/html-text.ts";
import { highlighter, type Highlighter } from "./highlight.ts";
import type { SearchNode } from "./query-ast.ts";

export interface SearchOptions {
  /** The query as the user wrote it: the cursor is bound to it. */
  q: string;
  limit: number;
  cursor?: string;
  sort: SearchSort;
  /** The time of the search, for older_than:/newer_than:. */
  now?: number;
}

type Plan = "index" | "folder" | "mailbox";

interface Hit {
  docId: number;
  score?: number;
  receivedAt?: number;
  messageId?: string;
}

/** Body characters read per result for its snippet (of an HTML body twice as many: its markup is
 * dropped). A match further down shows the start of the message; this keeps a page of 50 results
 * of long HTML mail to a few milliseconds. */
const BODY_READ_CHARS = 16_000;
/** An HTML body's text is first made of its start only, where a match nearly always is. */
const EARLY_HTML_CHARS = 6_000;
/** Body characters read first per result: the snippet nearly always lies in them (highlight.ts
 * snippetOfStart says when it does); the others are read again up to BODY_READ_CHARS. Reading 16,000
 * characters of each of 50 long bodies, and making JavaScript strings of them, was most of a page. */
const START_CHARS = 3_000;

// \S: what trim() removes is what \s matches; testing does not copy a long body as trim() does.
const hasText = (text: string | null): text is string => text !== null && /\S/.test(text);

/** snippetOf from the starts of the text body and of the HTML's kept text (START_CHARS each; a start
 * shorter than that is the whole), or null when the rest of the body could change the snippet, or the
 * HTML must be read (mail filed before its text was kept). */
function snippetOfStarts(h: Highlighter, text: string | null, htmlText: string | null, hasHtml: boolean, stored: string): string | null {
  const whole = (start: string) => start.length < START_CHARS;
  if (hasText(text)) return h.snippetOfStart(text, whole(text));
  if (text !== null && !whole(text)) return null;
  if (htmlText !== null) return h.snippetOfStart(htmlText, whole(htmlText));
  return hasHtml ? null : h.snippet(stored);
}

/** The highlighted snippet of a result: its text body, else its HTML's visible text (kept at filing,
 * message_bodies.html_text; made here from the HTML for mail filed before it was kept), else the
 * message's stored snippet. */
function snippetOf(h: Highlighter, text: string | null, htmlText: string | null, html: string | null, stored: string): string {
  if (hasText(text)) return h.snippet(text);
  if (htmlText !== null) return h.snippet(htmlText);
  if (!html) return h.snippet(stored);
  const early = htmlVisibleText(html.slice(0, EARLY_HTML_CHARS));
  return h.snippet(html.length <= EARLY_HTML_CHARS || h.found(early) ? early : htmlVisibleText(html));
}

const empty: SearchPage = { messages: [], nextCursor: null };

type Reader = ShardDatabase["db"];

/** How long after a change made through this thread searches go to the primary (read-your-writes). */
const OWN_WRITES_SETTLE_MS = 1_000;

/** Reads from the shard's replica (the primary when it has none, or when the replica does not answer):
 * a search is a view of the index, as any search engine's, and may miss mail filed by the pipeline in
 * the last milliseconds; it takes the heaviest reads (FTS5 walks, snippets) off the primary that files
 * mail. Right after a change made here (an API call: a delete, a move), the primary answers, so the
 * user who made it sees it. */
export async function searchMessages(shard: ShardDatabase, userId: string, node: SearchNode, options: SearchOptions): Promise<SearchPage> {
  if (shard.replica.db === shard.db || Date.now() - shard.writeLock.lastWriteAt < OWN_WRITES_SETTLE_MS) return searchOn(shard.db, userId, node, options);
  try {
    return await searchOn(shard.replica.db, userId, node, options);
  } catch (err) {
    if (!isStoreUnavailable(err)) throw err;
    return searchOn(shard.db, userId, node, options);
  }
}

async function searchOn(db: Reader, userId: string, node: SearchNode, options: SearchOptions): Promise<SearchPage> {
  const now = options.now ?? Date.now();
  const [mailbox] = await db.all<{ user_no: number | null; search_skew: number }>(sql`SELECT user_no, search_skew FROM mailboxes WHERE user_id = ${userId}`);
  if (!mailbox || mailbox.user_no === null) return empty;
  const userFolders = await db.select({ folderId: folders.folderId, name: folders.name, role: folders.role }).from(folders).where(eq(folders.userId, userId));
  const range = userRange(mailbox.user_no);
  const query = compileQuery(node, { userId, ...range, now, folders: userFolders });
  if (query.empty) return empty;

  // The receive times the query allows, as doc ids: from the first second allowed to the last,
  // plus the user's skew (a message's doc id may lie a little past its own second).
  const lo = range.lo + (query.after !== null ? secondOf(query.after) : 0);
  const hi = query.before === null ? range.hi : Math.min(range.hi, range.lo + Math.min(USER_SPAN - 1, secondOf(query.before - 1) + mailbox.search_skew));
  if (lo > hi || (query.before !== null && query.before <= 0)) return empty;

  const plan: Plan = query.match !== null ? "index" : query.folderId !== null ? "folder" : "mailbox";
  const sort: SearchSort = plan === "index" ? options.sort : "date";
  const fingerprint = queryFingerprint(options.q, options.sort);
  const at = options.cursor ? decodeSearchCursor(options.cursor, fingerprint) : null;
  const expected = sort === "relevance" ? "r" : plan === "folder" ? "f" : "d";
  if (at && at.k !== expected) {
    throw new ProblemError("validation", "cursor belongs to another query or sort order; start again without it.", { errors: [{ field: "query.cursor", message: "belongs to another query" }] });
  }

  const filters = and(sql`m.user_id = ${userId}`, ...query.filters)!;
  // The index alone answers a query of words: the user's range holds only their messages. Other
  // conditions join each hit to its message.
  const joined = query.filters.length > 0 ? filters : null;
  const n = options.limit + 1;
  let hits: Hit[];
  if (plan === "index" && sort === "relevance") hits = await byRelevance(db, query.match!, joined, lo, hi, at, n);
  else if (plan === "index") hits = await byIndex(db, query.match!, joined, lo, at ? Math.min(hi, (at as { d: number }).d - 1) : hi, n);
  else if (plan === "folder") hits = await byFolder(db, query.folderId!, filters, lo, hi, at as Extract<SearchPosition, { k: "f" }> | null, n);
  else hits = await byMailbox(db, filters, lo, at ? Math.min(hi, (at as { d: number }).d - 1) : hi, n);

  const more = hits.length > options.limit;
  const page = hits.slice(0, options.limit);
  const results = await resultsOf(db, userId, page, userFolders, query.terms);
  const last = page.at(-1);
  let next: SearchPosition | null = null;
  if (more && last) {
    next = sort === "relevance" ? { k: "r", s: last.score!, d: last.docId } : plan === "folder" ? { k: "f", t: last.receivedAt!, m: last.messageId! } : { k: "d", d: last.docId };
  }
  return { messages: results, nextCursor: next ? encodeSearchCursor(fingerprint, next) : null };
}

/** FROM and WHERE of a walk over the index, joined to the messages when there are filters; CROSS
 * JOIN keeps the index the outer loop, so its rowid order is the order of the results. */
function indexWalk(match: string, filters: SQL | null, lo: number, hi: number): SQL {
  const join = filters ? sql`CROSS JOIN messages AS m ON m.doc_id = search_index.rowid` : sql``;
  return sql`FROM search_index ${join} WHERE search_index MATCH ${match} AND search_index.rowid BETWEEN ${docIdParam(lo)} AND ${docIdParam(hi)} ${filters ? sql`AND ${filters}` : sql``}`;
}

async function byIndex(db: Reader, match: string, filters: SQL | null, lo: number, hi: number, n: number): Promise<Hit[]> {
  const rows = await db.all<{ doc_id: number }>(sql`SELECT search_index.rowid AS doc_id ${indexWalk(match, filters, lo, hi)} ORDER BY search_index.rowid DESC LIMIT ${n}`);
  return rows.map((r) => ({ docId: r.doc_id }));
}

async function byRelevance(db: Reader, match: string, filters: SQL | null, lo: number, hi: number, at: SearchPosition | null, n: number): Promise<Hit[]> {
  const after = at && at.k === "r" ? sql`WHERE score > ${at.s} OR (score = ${at.s} AND doc_id < ${at.d})` : sql``;
  const rows = await db.all<{ doc_id: number; score: number }>(sql`
    SELECT doc_id, score FROM (
      SELECT search_index.rowid AS doc_id, ${BM25} AS score ${indexWalk(match, filters, lo, hi)}
      ORDER BY search_index.rowid DESC LIMIT ${limits.searchRelevanceWindow}
    ) ${after}
    ORDER BY score, doc_id DESC LIMIT ${n}`);
  return rows.map((r) => ({ docId: r.doc_id, score: r.score }));
}

async function byFolder(db: Reader, folderId: string, filters: SQL, lo: number, hi: number, at: Extract<SearchPosition, { k: "f" }> | null, n: number): Promise<Hit[]> {
  const rows = await db.all<{ doc_id: number; received_at: number; message_id: string }>(sql`
    SELECT m.doc_id, m.received_at, m.message_id FROM messages AS m INDEXED BY messages_by_folder
    WHERE m.folder_id = ${folderId} AND m.doc_id BETWEEN ${lo} AND ${hi} AND ${filters}
      ${at ? sql`AND (m.received_at, m.message_id) < (${at.t}, ${at.m})` : sql``}
    ORDER BY m.received_at DESC, m.message_id DESC LIMIT ${n}`);
  return rows.map((r) => ({ docId: r.doc_id, receivedAt: r.received_at, messageId: r.message_id }));
}

async function byMailbox(db: Reader, filters: SQL, lo: number, hi: number, n: number): Promise<Hit[]> {
  const rows = await db.all<{ doc_id: number }>(sql`
    SELECT m.doc_id FROM messages AS m INDEXED BY messages_by_doc
    WHERE m.doc_id BETWEEN ${lo} AND ${hi} AND ${filters}
    ORDER BY m.doc_id DESC LIMIT ${n}`);
  return rows.map((r) => ({ docId: r.doc_id }));
}

async function resultsOf(db: Reader, userId: string, hits: Hit[], userFolders: { folderId: string; name: string; role: string | null }[], terms: string[]): Promise<SearchResult[]> {
  if (hits.length === 0) return [];
  // From the page's doc ids to their rows (messages_by_doc), and each row's body by its key: the
  // summary as SQLite writes it (summaryJsonSql: one column, not fourteen), the start of its text, of
  // the visible text of an HTML-only body kept at filing, and whether it has HTML at all (read without
  // reading the HTML). The unary + keeps SQLite from reading the user's rows by their key instead of
  // the few doc ids.
  const found = await db.all<{ doc_id: number; received_at: number; summary: string; text: string | null; html_text: string | null; has_html: number }>(sql`
    SELECT m.doc_id, m.received_at, ${summaryJsonSql("m")} AS summary,
      substr(b.text, 1, ${START_CHARS}) AS text, substr(b.html_text, 1, ${START_CHARS}) AS html_text, b.html IS NOT NULL AS has_html
    FROM messages AS m LEFT JOIN message_bodies AS b ON b.user_id = m.user_id AND b.message_id = m.message_id
    WHERE +m.user_id = ${userId} AND m.doc_id IN (SELECT value FROM json_each(${JSON.stringify(hits.map((h) => h.docId))}))`);
  const rows = found.map((r) => ({ docId: r.doc_id, row: summaryOfJson(r.summary, r.received_at), text: r.text, htmlText: r.html_text, hasHtml: r.has_html }));
  const highlight = highlighter(terms);
  const snippets = new Map<string, string>();
  const more: string[] = [];
  for (const r of rows) {
    const snippet = snippetOfStarts(highlight, r.text, r.htmlText, Boolean(r.hasHtml), r.row.snippet);
    if (snippet === null) more.push(r.row.id);
    else snippets.set(r.row.id, snippet);
  }
  // The rest: more of the body, and the HTML itself only for HTML-only mail filed before its text was
  // kept (0007).
  if (more.length > 0) {
    const bodies = await db
      .select({ messageId: messageBodies.messageId, text: sql<string | null>`substr(${messageBodies.text}, 1, ${BODY_READ_CHARS})`, htmlText: messageBodies.htmlText })
      .from(messageBodies)
      .where(and(eq(messageBodies.userId, userId), inArray(messageBodies.messageId, more)));
    const rowOfId = new Map(rows.map((r) => [r.row.id, r]));
    const older = bodies.filter((b) => !hasText(b.text) && b.htmlText === null && Boolean(rowOfId.get(b.messageId)?.hasHtml)).map((b) => b.messageId);
    const htmlOf = new Map<string, string | null>();
    if (older.length > 0) {
      const html = await db
        .select({ messageId: messageBodies.messageId, html: sql<string | null>`substr(${messageBodies.html}, 1, ${BODY_READ_CHARS * 2})` })
        .from(messageBodies)
        .where(and(eq(messageBodies.userId, userId), inArray(messageBodies.messageId, older)));
      for (const b of html) htmlOf.set(b.messageId, b.html);
    }
    for (const b of bodies) snippets.set(b.messageId, snippetOf(highlight, b.text, b.htmlText, htmlOf.get(b.messageId) ?? null, rowOfId.get(b.messageId)?.row.snippet ?? ""));
  }
  const rowOf = new Map(rows.map((r) => [r.docId, r]));
  const folderOf = new Map(userFolders.map((f) => [f.folderId, f]));
  // A message deleted between the queries is left out.
  return hits.flatMap((h) => {
    const found = rowOf.get(h.docId);
    const highlighted = found && snippets.get(found.row.id);
    if (!found || highlighted === undefined) return [];
    const { row } = found;
    const folder = folderOf.get(row.folderId);
    return [{ ...row, folder: { id: row.folderId, name: folder?.name ?? "", role: (folder?.role ?? null) as FolderRole | null }, highlight: highlighted }];
  });
}
