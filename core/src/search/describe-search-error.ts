// A refused query shown the way a terminal user can act on it: the problem, then the query with a caret
// under the character at fault. Columns are counted as a terminal draws them: Hangul, kana and Han take
// two, combining accents none, so the caret stays under the right character in any script.
import type { SearchSyntaxError } from "./query-ast.ts";

/** How many columns of the query are shown around the caret. */
const WINDOW = 72;

/** A short message for the CLI, three lines:
 *   position 7: from: needs a value right after the colon
 *     is:read from:
 *                  ^                                                    */
export function describeSearchError(q: string, err: SearchSyntaxError): string {
  const chars: { text: string; at: number; width: number }[] = [];
  let at = 0;
  for (const char of q) {
    const text = /[\s\p{Cc}]/u.test(char) ? " " : char;
    chars.push({ text, at, width: columnsOf(text) });
    at += char.length;
  }
  // The caret goes under the character the position falls in, or just past the end.
  let caret = chars.findIndex((c) => c.at + c.text.length > err.position);
  if (caret < 0) caret = chars.length;

  // Half the window before the caret, then the rest after it, then whatever is left before it.
  let from = caret;
  let to = caret;
  let width = 0;
  const fits = (k: number) => width + chars[k]!.width <= WINDOW;
  while (from > 0 && width < WINDOW / 2 && fits(from - 1)) width += chars[--from]!.width;
  while (to < chars.length && fits(to)) width += chars[to++]!.width;
  while (from > 0 && fits(from - 1)) width += chars[--from]!.width;

  const head = from > 0 ? "…" : "";
  const tail = to < chars.length ? "…" : "";
  const shown = chars.slice(from, to);
  const pad = " ".repeat(head.length + shown.slice(0, caret - from).reduce((sum, c) => sum + c.width, 0));
  return `position ${err.position}: ${err.message}\n  ${head}${shown.map((c) => c.text).join("")}${tail}\n  ${pad}^`;
}

/** Terminal columns of one character (a code point): 0 for combining marks, 2 for East Asian wide ones. */
function columnsOf(char: string): number {
  if (/\p{M}/u.test(char)) return 0;
  const cp = char.codePointAt(0)!;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) || // Hangul leading jamo
    (cp >= 0x2e80 && cp <= 0x303e) || // CJK radicals, punctuation
    (cp >= 0x3041 && cp <= 0xa4cf) || // kana, Han, Yi
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xff60) || // fullwidth forms
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) || // emoji
    (cp >= 0x20000 && cp <= 0x3fffd); // CJK extension planes
  return wide ? 2 : 1;
}
