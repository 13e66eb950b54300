// The highlighted snippet of a search result: the body text around the first place the query's words
// occur, HTML-escaped, each occurrence in <mark>…</mark>, so a client can render it as HTML safely.
// Words match as the index matches them: case and accents folded (`cafe` marks `Café`), whole words
// for spaced scripts, and anywhere inside a run of Korean, Japanese, Chinese or Thai text.

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u3005\u30fc\uff70]/u;
const WORD = /[\p{L}\p{N}\p{Co}\p{M}]/u;
const LATIN = /\p{Script=Latin}/u;

/** Characters of body text looked through for the query's words. */
const SCAN_CHARS = 16_000;
const SNIPPET_CHARS = 200;
const LEAD_CHARS = 50;

/** One character as the index sees it: NFKC, Latin accents removed, lower case. */
function fold(c: string): string {
  let f = c.normalize("NFKC");
  if (LATIN.test(f)) f = f.normalize("NFKD").replace(/\p{M}/gu, "");
  return f.toLowerCase();
}

/** For each folded Latin letter, the characters that fold to it (é, È, ê … for e): a query word
 * becomes a regular expression over the body as it is, so no folded copy of the body is made. */
const VARIANTS = (() => {
  const map = new Map<string, string[]>();
  for (let cp = 0x41; cp <= 0x24f; cp++) {
    const ch = String.fromCodePoint(cp);
    if (!/\p{L}/u.test(ch)) continue;
    const f = fold(ch);
    if (f.length === 1 && f !== ch) map.set(f, [...(map.get(f) ?? [f]), ch]);
  }
  return map;
})();

const escapeRegExp = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

interface Piece {
  text: string;
  /** Matched anywhere (unspaced scripts), or only as a whole word. */
  anywhere: boolean;
}

/** A query word or phrase as the pieces to find: its words, and its unspaced runs, folded. */
function piecesOf(term: string): Piece[] {
  const pieces: Piece[] = [];
  let current = "";
  let unspaced = false;
  const end = () => {
    if (current) pieces.push({ text: current, anywhere: unspaced });
    current = "";
  };
  for (const ch of term.normalize("NFKC")) {
    const isUnspaced = UNSPACED.test(ch);
    if (!WORD.test(ch) && !isUnspaced) {
      end();
      continue;
    }
    if (current && isUnspaced !== unspaced) end();
    unspaced = isUnspaced;
    current += fold(ch);
  }
  end();
  return pieces;
}

/** A piece's pattern. The "not after a letter" half of a whole word is checked by `matchAt`, not by a
 * lookbehind in the pattern: a pattern that starts with a lookbehind is tried at every character of
 * the body (several times slower over a long body where the word is not found), one that starts with
 * the word's first letter lets the engine skip to where that letter is. */
interface Pattern {
  re: RegExp;
  wholeWord: boolean;
}

function patternOf(piece: Piece): Pattern {
  const body = [...piece.text].map((ch) => {
    const variants = VARIANTS.get(ch);
    // A letter may also be followed by combining accents (text in decomposed form).
    return variants ? `[${variants.map(escapeRegExp).join("")}]\\p{M}*` : escapeRegExp(ch);
  });
  const word = piece.anywhere ? body.join("") : `${body.join("")}(?![\\p{L}\\p{N}\\p{M}])`;
  return { re: new RegExp(word, "giu"), wholeWord: !piece.anywhere };
}

const WORD_END = /[\p{L}\p{N}\p{M}]$/u;

/** The next match of `pattern` in `text` at or after `from` (null when none): for a whole word, the
 * first whose start does not follow a letter, digit or mark, which is what the lookbehind
 * `(?<![\p{L}\p{N}\p{M}])` finds. */
function matchAt(pattern: Pattern, text: string, from: number): RegExpExecArray | null {
  const { re } = pattern;
  re.lastIndex = from;
  for (;;) {
    const m = re.exec(text);
    if (!m || !pattern.wholeWord || m.index === 0 || !WORD_END.test(text.slice(Math.max(0, m.index - 2), m.index))) return m;
    // Not a word's start: on from the next character (a whole code point, as the u flag steps).
    re.lastIndex = m.index + (text.codePointAt(m.index)! > 0xffff ? 2 : 1);
  }
}

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const SPECIAL = /[&<>"']/;
const escapeHtml = (s: string) => (SPECIAL.test(s) ? s.replace(/[&<>"']/g, (c) => ENTITY[c]!) : s);

/** Whether `body` has anything but whitespace from `at` on (without copying the rest of it). */
const NOT_SPACE = /\S/g;
function textFrom(body: string, at: number): boolean {
  NOT_SPACE.lastIndex = at;
  return NOT_SPACE.test(body);
}

export interface Highlighter {
  /** The snippet of `body` around its first match (its start when nothing matches). */
  snippet(body: string): string;
  /** The snippet of a body of which only its start was read (all of it when `whole`): the one `snippet`
   * gives for the whole body, or null when what follows the start could change it. */
  snippetOfStart(start: string, whole: boolean): string | null;
  /** Whether the query's words occur in the part of `body` a snippet looks at. */
  found(body: string): boolean;
}

/** The highlighter of one query: its patterns are made once for all of a page's results. */
export function highlighter(terms: string[]): Highlighter {
  const patterns = terms.flatMap(piecesOf).map(patternOf);
  return {
    snippet: (body) => highlightWith(body, patterns),
    snippetOfStart: (start, whole) => (whole ? highlightWith(start, patterns) : startSnippet(start, patterns)),
    found: (body) => firstMatch(body.slice(0, SCAN_CHARS), patterns) !== Infinity,
  };
}

export function highlight(body: string, terms: string[]): string {
  return highlighter(terms).snippet(body);
}

/** Where the first match is: one search per pattern that stops at its first hit. */
function firstMatch(text: string, patterns: Pattern[]): number {
  let first = Infinity;
  for (const pattern of patterns) {
    const m = matchAt(pattern, text, 0);
    if (m && m.index < first) first = m.index;
  }
  return first;
}

/** The stretch of the body a snippet is made of: around its first match, cut out generously. */
function stretchAround(first: number): { start: number; end: number } {
  const start = first === Infinity ? 0 : Math.max(0, first - 4 * LEAD_CHARS);
  return { start, end: start + 3 * SNIPPET_CHARS + 4 * LEAD_CHARS };
}

const SPACE = /\s/g;

/** The snippet from the start of a longer body, when the rest cannot change it: a match in the start;
 * whitespace after that match, which no pattern matches (its words are letters, digits and marks), so no
 * search for an earlier match read past it into the unread rest; the snippet's stretch inside the
 * start; and text after the stretch in the start, so the snippet is cut there as the whole body's is. */
function startSnippet(start: string, patterns: Pattern[]): string | null {
  const first = firstMatch(start, patterns);
  if (first >= SCAN_CHARS) return null;
  SPACE.lastIndex = first;
  if (!SPACE.test(start)) return null;
  const { end } = stretchAround(first);
  if (end > start.length || !textFrom(start, end)) return null;
  return highlightWith(start, patterns);
}

function highlightWith(body: string, patterns: Pattern[]): string {
  // Only the stretch around the first match is worked on (whitespace is collapsed after cutting).
  const scanned = body.slice(0, SCAN_CHARS);
  const first = firstMatch(scanned, patterns);
  const { start, end } = stretchAround(first);
  let text = scanned.slice(start, end).replace(/\s+/g, " ");
  if (start === 0) text = text.trimStart();
  const cutBefore = start > 0;
  const cutAfter = end < body.length && textFrom(body, end);
  if (!cutAfter) text = text.trimEnd();
  const marks: [number, number][] = [];
  for (const pattern of patterns) {
    for (let m = matchAt(pattern, text, 0); m; m = matchAt(pattern, text, m.index + m[0].length)) marks.push([m.index, m.index + m[0].length]);
  }
  marks.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  // Overlapping marks become one.
  const merged: [number, number][] = [];
  for (const m of marks) {
    const last = merged.at(-1);
    if (last && m[0] <= last[1]) last[1] = Math.max(last[1], m[1]);
    else merged.push([...m]);
  }

  let from = 0;
  if (merged.length > 0 && merged[0]![0] > LEAD_CHARS) {
    from = merged[0]![0] - LEAD_CHARS;
    const space = text.indexOf(" ", from);
    if (space !== -1 && space < merged[0]![0]) from = space + 1;
  }
  const to = Math.min(text.length, Math.max(from + SNIPPET_CHARS, merged[0]?.[1] ?? 0));
  let out = from > 0 || cutBefore ? "…" : "";
  let at = from;
  for (const [start, end] of merged) {
    if (start >= to) break;
    if (start < at) continue;
    out += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, Math.min(end, to)))}</mark>`;
    at = Math.min(end, to);
  }
  out += escapeHtml(text.slice(at, to));
  return to < text.length || cutAfter ? `${out.trimEnd()}…` : out;
}
