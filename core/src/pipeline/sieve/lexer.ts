// Sieve's lexical layer (RFC 5228 §2 and §8.1): identifiers, :tags, numbers with K/M/G, quoted strings
// with backslash escapes, `text:` multi-line strings with dot-stuffing, `#` and `/* */` comments.
// Each token keeps its offset so that every later error can name the line and column.
import { sieveLimits } from "./limits.ts";
import { SieveSyntaxError } from "./syntax-error.ts";

export type Punctuation = ";" | "," | "[" | "]" | "(" | ")" | "{" | "}";

export type Token =
  | { type: "identifier"; value: string; offset: number }
  | { type: "tag"; value: string; offset: number }
  | { type: "number"; value: number; offset: number }
  | { type: "string"; value: string; offset: number }
  | { type: "punctuation"; value: Punctuation; offset: number }
  | { type: "end"; offset: number };

const PUNCTUATION = new Set<string>([";", ",", "[", "]", "(", ")", "{", "}"]);
const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isIdentifierStart = (c: string | undefined) => c !== undefined && /[A-Za-z_]/.test(c);
const isIdentifierPart = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

export function tokenize(source: string): Token[] {
  if (source.length > sieveLimits.maxScriptChars) {
    throw new SieveSyntaxError(1, 1, `script is longer than ${sieveLimits.maxScriptChars} characters`);
  }
  const fail = (offset: number, message: string) => SieveSyntaxError.at(source, offset, message);
  const tokens: Token[] = [];
  let i = 0;

  const readIdentifier = (): string => {
    const start = i;
    while (isIdentifierPart(source[i])) i++;
    return source.slice(start, i);
  };

  const readQuoted = (start: number): string => {
    let value = "";
    i = start + 1;
    for (;;) {
      const c = source[i];
      if (c === undefined) throw fail(start, 'string is not closed: a " is missing');
      if (c === '"') break;
      // RFC 5228 §2.4.2: "\\" and "\"" are the escapes; any other backslash is dropped.
      if (c === "\\") {
        i++;
        const escaped = source[i];
        if (escaped === undefined) throw fail(start, 'string is not closed: a " is missing');
        value += escaped;
      } else {
        value += c;
      }
      i++;
    }
    i++;
    return value;
  };

  const readMultiLine = (start: number): string => {
    // After "text:" only blanks and an optional comment may stand on the line.
    while (source[i] === " " || source[i] === "\t") i++;
    if (source[i] === "#") while (i < source.length && source[i] !== "\n") i++;
    if (source[i] === "\r" && source[i + 1] === "\n") i++;
    if (source[i] !== "\n") throw fail(i, 'text: must be followed by the end of the line');
    i++;
    const lines: string[] = [];
    for (;;) {
      if (i >= source.length) throw fail(start, 'text: is not closed: a line holding only "." is missing');
      let end = source.indexOf("\n", i);
      if (end < 0) end = source.length;
      const line = source.slice(i, end).replace(/\r$/, "");
      i = end + 1;
      if (line === ".") break;
      // Dot-stuffing: a line of the text that starts with "." is written with one more.
      lines.push(line.startsWith(".") ? line.slice(1) : line);
    }
    return lines.map((line) => line + "\r\n").join("");
  };

  while (i < source.length) {
    const c = source[i]!;
    const start = i;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) throw fail(start, "comment is not closed: */ is missing");
      i = close + 2;
    } else if (c === '"') {
      tokens.push({ type: "string", value: readQuoted(start), offset: start });
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ type: "punctuation", value: c as Punctuation, offset: start });
      i++;
    } else if (c === ":") {
      i++;
      if (!isIdentifierStart(source[i])) throw fail(start, "a tag name must follow ':'");
      tokens.push({ type: "tag", value: readIdentifier().toLowerCase(), offset: start });
    } else if (isDigit(c)) {
      while (isDigit(source[i])) i++;
      let value = Number(source.slice(start, i));
      const quantifier = QUANTIFIERS[source[i]?.toLowerCase() ?? ""];
      if (quantifier !== undefined) {
        value *= quantifier;
        i++;
      }
      if (isIdentifierPart(source[i])) {
        while (isIdentifierPart(source[i])) i++;
        throw fail(start, `"${source.slice(start, i)}" is not a number (sizes are written like 100K, 10M or 1G)`);
      }
      if (!Number.isSafeInteger(value)) throw fail(start, "number is too large");
      tokens.push({ type: "number", value, offset: start });
    } else if (isIdentifierStart(c)) {
      const word = readIdentifier();
      if (word.toLowerCase() === "text" && source[i] === ":") {
        i++;
        tokens.push({ type: "string", value: readMultiLine(start), offset: start });
      } else {
        tokens.push({ type: "identifier", value: word.toLowerCase(), offset: start });
      }
    } else {
      throw fail(start, `unexpected character ${JSON.stringify(String.fromCodePoint(source.codePointAt(i)!))}`);
    }
  }
  tokens.push({ type: "end", offset: source.length });
  return tokens;
}
