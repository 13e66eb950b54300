// The highlighted snippet of a search result: the body text around the first place the query's words
// occur, HTML-escaped, each occurrence in <mark>…</mark>, so a client can render it as HTML safely.
// Words match as the index matches them: case and accents folded (`cafe` marks `Café`), whole words
// for spaced scripts, and anywhere inside a run of Korean, Japanese, Chinese or Thai text.

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u3005\u30fc\uff70]/u;
const WORD = /[\p{L}\p{N}\p{Co}\p{M}]/u;
const LATIN = /\p{Script=Latin}/u;

/** Characters of body text looked through for the query's words. */
const SCAN_CHARS = 50_000;
const SNIPPET_CHARS = 200;
const LEAD_CHARS = 50;

const folded = new Map<string, string>();

/** One character as the index sees it: NFKC, Latin accents removed, lower case. Memoized: a body
 * has few distinct characters. */
function fold(c: string): string {
  let f = folded.get(c);
  if (f === undefined) {
    f = c.normalize("NFKC");
    if (LATIN.test(f)) f = f.normalize("NFKD").replace(/\p{M}/gu, "");
    f = f.toLowerCase();
    if (folded.size < 100_000) folded.set(c, f);
  }
  return f;
}

interface Piece {
  text: string;
  /** Matched anywhere (unspaced scripts), or only as a whole word. */
  anywhere: boolean;
}

/** A query word or phrase as the pieces to find: its words, and its unspaced runs. */
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

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITY[c]!);

export function highlight(body: string, terms: string[]): string {
  const text = body.slice(0, SCAN_CHARS).replace(/\s+/g, " ").trim();
  // The folded text, and for each of its code units the original's offset.
  let flat = "";
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    const f = fold(ch);
    flat += f;
    for (let k = 0; k < f.length; k++) origin.push(i);
    i += ch.length;
  }
  origin.push(text.length);
  const isWordAt = (j: number) => j >= 0 && j < flat.length && WORD.test(flat[j]!) && !UNSPACED.test(flat[j]!);

  const marks: [number, number][] = [];
  for (const piece of terms.flatMap(piecesOf)) {
    for (let at = flat.indexOf(piece.text); at !== -1; at = flat.indexOf(piece.text, at + 1)) {
      const end = at + piece.text.length;
      if (!piece.anywhere && (isWordAt(at - 1) || isWordAt(end))) continue;
      marks.push([origin[at]!, origin[end] ?? text.length]);
    }
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
  let out = from > 0 ? "…" : "";
  let at = from;
  for (const [start, end] of merged) {
    if (start >= to) break;
    if (start < at) continue;
    out += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, Math.min(end, to)))}</mark>`;
    at = Math.min(end, to);
  }
  out += escapeHtml(text.slice(at, to));
  return to < text.length ? `${out}…` : out;
}
