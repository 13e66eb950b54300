// A parsed query (query-ast.ts) → the parts of one SQL query over the user's range of the index
// (store/search-index/doc-ids.ts) and their messages `m`:
//   - `match`: one FTS5 expression made of the top level's text conjuncts (words, phrases, fields, and
//     their AND/OR), with the top level's negated text folded in as FTS5's binary NOT — the index
//     drives the search when there is one;
//   - `filters`: SQL conditions on `m` for everything else: folders, flags, dates, sizes, attachments,
//     and text under an OR or NOT that FTS5 cannot say (`from:bob OR is:starred`, `-word` alone) as
//     membership in the user's part of the index;
//   - the narrowing the top level's dates give the doc id range, and its folder for a listing plan.
import { sql, type SQL } from "drizzle-orm";
import type { SearchNode, TextField } from "./query-ast.ts";
import { SEARCH_COLUMNS, type SearchColumn } from "../store/search-index/document.ts";
import { docIdParam } from "../store/search-index/doc-ids.ts";
import { toFtsPhrase } from "../store/search-index/search-text.ts";

const FIELD_COLUMN: Record<TextField, SearchColumn> = { from: "sender", to: "recipients", cc: "cc", subject: "subject", filename: "filenames" };

/** bm25 weights, by column: a word in the subject or a name counts more than one in the body, one
 * inside an attachment less. */
const COLUMN_WEIGHTS: Record<SearchColumn, number> = { subject: 4, sender: 3, recipients: 2, cc: 1.5, filenames: 2, body: 1, attachments: 0.5 };

/** bm25() with the columns' weights, for ORDER BY (lower is better). */
export const BM25 = sql.raw(`bm25(search_index, ${SEARCH_COLUMNS.map((c) => COLUMN_WEIGHTS[c]).join(", ")})`);

/** Gmail's names for folders and "every folder". */
const FOLDER_ALIASES: Record<string, string> = { spam: "junk", bin: "trash", deleted: "trash", draft: "drafts" };
const ANY_FOLDER = new Set(["anywhere", "all"]);

export interface FolderInfo {
  folderId: string;
  name: string;
  role: string | null;
}

export interface CompileContext {
  userId: string;
  /** The user's doc id range. */
  lo: number;
  hi: number;
  /** The time of the search (older_than:, newer_than:). */
  now: number;
  folders: FolderInfo[];
}

export interface CompiledQuery {
  match: string | null;
  filters: SQL[];
  /** Receive time bounds of the top level: after ≤ received_at < before. */
  after: number | null;
  before: number | null;
  /** A folder every result is in (a top-level in:), for the folder-listing plan. */
  folderId: string | null;
  /** Nothing can match (an in: that names no folder, a negated everything). */
  empty: boolean;
  /** The words and phrases a result was found by, to highlight. */
  terms: string[];
}

/** An FTS5 expression; ALL matches every message, NONE none; null: FTS5 cannot say it alone. */
type Fts = string | typeof ALL | typeof NONE | null;
const ALL = Symbol("all");
const NONE = Symbol("none");

function ftsOf(node: SearchNode): Fts {
  switch (node.type) {
    case "text":
      return toFtsPhrase(node.value) ?? ALL;
    case "field": {
      const phrase = toFtsPhrase(node.value);
      return phrase === null ? ALL : `${FIELD_COLUMN[node.field]} : ${phrase}`;
    }
    case "or": {
      const parts = node.children.map(ftsOf);
      if (parts.some((p) => p === null)) return null;
      if (parts.includes(ALL)) return ALL;
      const strings = parts.filter((p): p is string => typeof p === "string");
      return strings.length === 0 ? NONE : strings.length === 1 ? strings[0]! : `(${strings.map((s) => `(${s})`).join(" OR ")})`;
    }
    case "and":
      return conjunction(node.children);
    default:
      return null;
  }
}

/** `(a) AND (b) NOT (c OR d)` for the children a, b, -c, -d; null when a child is not text, or when
 * there is no positive child (FTS5's NOT needs something to subtract from). */
function conjunction(children: SearchNode[]): Fts {
  const positive: string[] = [];
  const negative: string[] = [];
  let anyPositive = false;
  for (const child of children) {
    if (child.type === "not") {
      const inner = ftsOf(child.child);
      if (inner === null) return null;
      if (inner === ALL) return NONE;
      if (inner !== NONE) negative.push(inner);
      continue;
    }
    const part = ftsOf(child);
    if (part === null) return null;
    anyPositive = true;
    if (part === NONE) return NONE;
    if (part !== ALL) positive.push(part);
  }
  if (!anyPositive) return null;
  if (positive.length === 0) return negative.length === 0 ? ALL : null;
  const and = positive.length === 1 ? positive[0]! : positive.map((p) => `(${p})`).join(" AND ");
  return negative.length === 0 ? and : `(${and}) NOT (${negative.map((n) => `(${n})`).join(" OR ")})`;
}

function flatten(node: SearchNode): SearchNode[] {
  return node.type === "and" ? node.children.flatMap(flatten) : [node];
}

/** The words and phrases the query looks for (not those it excludes). */
function positiveTerms(node: SearchNode): string[] {
  switch (node.type) {
    case "text":
    case "field":
      return [node.value];
    case "and":
    case "or":
      return node.children.flatMap(positiveTerms);
    default:
      return [];
  }
}

export function compileQuery(root: SearchNode, ctx: CompileContext): CompiledQuery {
  const out: CompiledQuery = { match: null, filters: [], after: null, before: null, folderId: null, empty: false, terms: positiveTerms(root) };
  const inIndex = (expr: string) => sql`m.doc_id IN (SELECT rowid FROM search_index WHERE search_index MATCH ${expr} AND rowid BETWEEN ${docIdParam(ctx.lo)} AND ${docIdParam(ctx.hi)})`;
  const folderOf = (name: string): string | null | typeof ALL => {
    const wanted = name.toLowerCase();
    if (ANY_FOLDER.has(wanted)) return ALL;
    const role = FOLDER_ALIASES[wanted] ?? wanted;
    return (ctx.folders.find((f) => f.role === role) ?? ctx.folders.find((f) => f.name.toLowerCase() === wanted))?.folderId ?? null;
  };

  const sqlOf = (node: SearchNode): SQL => {
    const fts = ftsOf(node);
    if (fts === ALL) return sql`1`;
    if (fts === NONE) return sql`0`;
    if (typeof fts === "string") return inIndex(fts);
    switch (node.type) {
      case "and":
        return sql`(${sql.join(node.children.map(sqlOf), sql` AND `)})`;
      case "or":
        return sql`(${sql.join(node.children.map(sqlOf), sql` OR `)})`;
      case "not":
        return sql`NOT ${sqlOf(node.child)}`;
      case "has":
        return sql`m.has_attachments = 1`;
      case "in": {
        const folder = folderOf(node.folder);
        return folder === ALL ? sql`1` : folder === null ? sql`0` : sql`m.folder_id = ${folder}`;
      }
      case "is":
        return node.flag === "starred" ? sql`m.flagged = 1` : sql`m.seen = ${node.flag === "read" ? 1 : 0}`;
      case "date":
        return node.op === "after" ? sql`m.received_at >= ${node.at}` : sql`m.received_at < ${node.at}`;
      case "age":
        return node.op === "newer" ? sql`m.received_at >= ${ctx.now - node.ms}` : sql`m.received_at < ${ctx.now - node.ms}`;
      case "size":
        return node.op === "larger" ? sql`m.size > ${node.bytes}` : sql`m.size < ${node.bytes}`;
      case "keyword":
        return sql`EXISTS (SELECT 1 FROM json_each(m.keywords_json) WHERE lower(json_each.value) = ${node.value.toLowerCase()})`;
      default:
        throw new Error(`no SQL for a ${node.type} node`);
    }
  };

  const positive: string[] = [];
  const negative: string[] = [];
  const rest: SearchNode[] = [];
  for (const c of flatten(root)) {
    const fts = ftsOf(c);
    const negated = c.type === "not" ? ftsOf(c.child) : null;
    if (fts === NONE || negated === ALL) out.empty = true;
    else if (typeof fts === "string") positive.push(fts);
    else if (typeof negated === "string") negative.push(negated);
    else if (fts !== ALL && negated !== NONE) rest.push(c);
  }
  if (positive.length > 0) {
    const and = positive.length === 1 ? positive[0]! : positive.map((p) => `(${p})`).join(" AND ");
    out.match = negative.length === 0 ? and : `(${and}) NOT (${negative.map((n) => `(${n})`).join(" OR ")})`;
  } else {
    for (const n of negative) out.filters.push(sql`NOT ${inIndex(n)}`);
  }

  for (const c of rest) {
    if (c.type === "date" || c.type === "age") {
      const at = c.type === "date" ? c.at : ctx.now - c.ms;
      if (c.type === "date" ? c.op === "after" : c.op === "newer") out.after = Math.max(out.after ?? -Infinity, at);
      else out.before = Math.min(out.before ?? Infinity, at);
    }
    if (c.type === "in") {
      const folder = folderOf(c.folder);
      if (folder === null) out.empty = true;
      else if (folder !== ALL) {
        if (out.folderId !== null && out.folderId !== folder) out.empty = true;
        out.folderId = folder;
      }
    }
    out.filters.push(sqlOf(c));
  }
  return out;
}
