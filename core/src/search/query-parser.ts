// The search box's language (Gmail's, see query-language.md) parsed into the AST of query-ast.ts.
//
//   query       = sequence                       (the whole query; nothing may be left over)
//   sequence    = disjunction { ["AND"] disjunction }     terms side by side are ANDed
//   disjunction = unary { ("OR" | "|") unary }  OR binds tighter than AND: `a b OR c` = a AND (b OR c)
//   unary       = { "-" } atom                   each "-" negates
//   atom        = "(" sequence ")" | "{" sequence "}" (Gmail's OR group) | phrase | "+" word
//               | operator ":" (word | phrase | group) | word
//
// Written by hand, in one pass with no backtracking: every character is looked at a bounded number of
// times, so the time is linear in the query, and each refusal names the character at fault. No parser
// library speaks Gmail's precedence and field groups; a grammar generator's messages name tokens rather
// than the user's mistake.
import { SearchSyntaxError, type SearchNode } from "./query-ast.ts";
import { OPERATORS, UNSUPPORTED_OPERATORS, type OperatorValue } from "./query-operators.ts";

export { describeSearchError } from "./describe-search-error.ts";

export const searchQueryLimits = { maxChars: 1000, maxDepth: 20 } as const;

/** Whitespace and control characters separate terms (U+3000, the ideographic space, is whitespace). */
const SEPARATOR = /[\s\p{Cc}]/u;
/** Characters that end a word besides separators. “ (U+201C) opens a phrase as " does: phones type it. */
const WORD_END = new Set(["(", ")", "{", "}", "|", '"', "“"]);
const CLOSING_QUOTE: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["“", "”"],
]);

/** Parses a search query. `now` (ms) anchors older_than:/newer_than:. Throws SearchSyntaxError, with the
 * 0-based index (a JavaScript string index) of the offending character, for a query that does not parse. */
export function parseSearchQuery(q: string, now: number = Date.now()): SearchNode {
  if (q.length > searchQueryLimits.maxChars) {
    throw new SearchSyntaxError(searchQueryLimits.maxChars, `the query is longer than ${searchQueryLimits.maxChars} characters`);
  }
  let i = 0;

  const isSeparator = (c: string | undefined) => c !== undefined && SEPARATOR.test(c);
  const isWordChar = (c: string | undefined) => c !== undefined && !SEPARATOR.test(c) && !WORD_END.has(c);
  /** Where a term has to stop: the end, a closing bracket or an OR bar. */
  const isTermEnd = (c: string | undefined) => c === undefined || c === ")" || c === "}" || c === "|";
  const skipSeparators = () => {
    while (isSeparator(q[i])) i++;
  };
  const readWord = (): string => {
    const start = i;
    while (isWordChar(q[i])) i++;
    return q.slice(start, i);
  };

  /** OR and AND count only in capitals and standing alone (Gmail); `|` is OR wherever it stands. */
  const keywordAt = (at: number): "OR" | "AND" | null => {
    if (q[at] === "|") return "OR";
    for (const word of ["OR", "AND"] as const) {
      if (q.startsWith(word, at) && !isWordChar(q[at + word.length])) return word;
    }
    return null;
  };
  const keywordLength = (at: number) => (q[at] === "|" ? 1 : keywordAt(at)!.length);
  const dangling = (at: number) =>
    new SearchSyntaxError(at, `${q[at] === "|" ? "|" : keywordAt(at)} needs a term on both sides`);

  /** The terms up to the end or a closing bracket (left for the caller). `scope` is the operator of an
   * enclosing `from:( … )` group; `inBraces` refuses AND in an OR group. */
  const sequence = (depth: number, scope: Scope | null, inBraces: boolean): SearchNode[] => {
    const terms: SearchNode[] = [];
    let pendingAnd: number | null = null;
    for (;;) {
      skipSeparators();
      const keyword = keywordAt(i);
      if (pendingAnd !== null && (keyword !== null || isTermEnd(q[i]))) throw dangling(pendingAnd);
      if (isTermEnd(q[i]) && q[i] !== "|") return terms;
      if (keyword === "OR") throw dangling(i);
      if (keyword === "AND") {
        if (terms.length === 0) throw dangling(i);
        if (inBraces) throw new SearchSyntaxError(i, "AND cannot stand inside { }, whose terms are ORed: use ( ) to group");
        pendingAnd = i;
        i += 3;
        continue;
      }
      terms.push(disjunction(depth, scope));
      pendingAnd = null;
    }
  };

  const disjunction = (depth: number, scope: Scope | null): SearchNode => {
    const alternatives = [unary(depth, scope)];
    for (;;) {
      skipSeparators();
      if (keywordAt(i) !== "OR") return or(alternatives);
      const orAt = i;
      i += keywordLength(i);
      skipSeparators();
      if (isTermEnd(q[i]) || keywordAt(i) !== null) throw dangling(orAt);
      alternatives.push(unary(depth, scope));
    }
  };

  const unary = (depth: number, scope: Scope | null): SearchNode => {
    let negations = 0;
    while (q[i] === "-") {
      negations++;
      i++;
    }
    if (negations > 0 && (isSeparator(q[i]) || isTermEnd(q[i]))) {
      throw new SearchSyntaxError(i - 1, "- needs a term right after it (write -word, -\"a phrase\", -from:x or -( … ))");
    }
    const node = atom(depth, scope);
    return negations % 2 === 1 ? { type: "not", child: node } : node;
  };

  const atom = (depth: number, scope: Scope | null): SearchNode => {
    const c = q[i]!;
    if (c === "(" || c === "{") return group(depth + 1, scope);
    if (CLOSING_QUOTE.has(c)) {
      const at = i + 1;
      return term(readPhrase(), true, at, scope);
    }
    const start = i;
    if (c === "+") {
      // Gmail's +word: this word exactly, which the index treats as a one-word phrase.
      i++;
      if (CLOSING_QUOTE.has(q[i] ?? "")) return term(readPhrase(), true, start + 2, scope);
      const word = readWord();
      if (word === "") throw new SearchSyntaxError(start, "+ needs a word right after it");
      return term(word, true, start + 1, scope);
    }
    const word = readWord();
    const colon = word.indexOf(":");
    if (colon > 0) {
      const name = word.slice(0, colon).toLowerCase();
      if (UNSUPPORTED_OPERATORS.has(name)) throw new SearchSyntaxError(start, `${name}: is not supported here`);
      const read = OPERATORS.get(name);
      if (read) {
        if (scope) {
          throw new SearchSyntaxError(start, `${name}: cannot stand inside ${scope.name}:( ), which holds words and phrases`);
        }
        i = start + colon + 1;
        return operatorValue({ name, read }, depth);
      }
    }
    return term(word, false, start, scope);
  };

  /** The value right after `name:`: a word, a phrase, or a group whose every word and phrase the
   * operator applies to (Gmail: subject:(dinner movie) = subject:dinner subject:movie). */
  const operatorValue = (operator: Scope, depth: number): SearchNode => {
    const c = q[i];
    if (c === "(" || c === "{") return group(depth + 1, operator);
    if (CLOSING_QUOTE.has(c ?? "")) {
      const at = i + 1;
      return operator.read(readPhrase(), true, at, now);
    }
    const at = i;
    const value = readWord();
    if (value === "") throw new SearchSyntaxError(at, `${operator.name}: needs a value right after the colon`);
    return operator.read(value, false, at, now);
  };

  /** A word or phrase: free text, or the value of the enclosing operator group. */
  const term = (value: string, phrase: boolean, at: number, scope: Scope | null): SearchNode =>
    scope ? scope.read(value, phrase, at, now) : { type: "text", value, phrase };

  const readPhrase = (): string => {
    const open = i;
    const close = CLOSING_QUOTE.get(q[open]!)!;
    const end = q.indexOf(close, open + 1);
    if (end < 0) throw new SearchSyntaxError(open, `${q[open]} is not closed: a ${close} is missing`);
    const value = q.slice(open + 1, end);
    if (!/[^\s\p{Cc}]/u.test(value)) throw new SearchSyntaxError(open, "empty quotes: put the words to find between them");
    i = end + 1;
    return value;
  };

  const group = (depth: number, scope: Scope | null): SearchNode => {
    const open = i;
    const opener = q[open]!;
    const closer = opener === "(" ? ")" : "}";
    if (depth > searchQueryLimits.maxDepth) {
      throw new SearchSyntaxError(open, `groups are nested more than ${searchQueryLimits.maxDepth} deep`);
    }
    i++;
    const terms = sequence(depth, scope, opener === "{");
    if (q[i] === undefined) throw new SearchSyntaxError(open, `${opener} is not closed: a ${closer} is missing`);
    if (q[i] !== closer) {
      throw new SearchSyntaxError(i, `${q[i]} does not close the ${opener} at ${open}: a ${closer} is missing`);
    }
    if (terms.length === 0) throw new SearchSyntaxError(open, `empty group: put a term between ${opener} and ${closer}`);
    i++;
    return opener === "(" ? and(terms) : or(terms);
  };

  skipSeparators();
  if (i === q.length) throw new SearchSyntaxError(0, "give a query: it is empty");
  const terms = sequence(0, null, false);
  if (i < q.length) {
    const opener = q[i] === ")" ? "(" : "{";
    throw new SearchSyntaxError(i, `${q[i]} has no ${opener} to close`);
  }
  return and(terms);
}

type Scope = { name: string; read: OperatorValue };

/** AND of the terms, one level deep (a AND (b AND c) is a AND b AND c); one term stands alone. */
function and(terms: SearchNode[]): SearchNode {
  if (terms.length === 1) return terms[0]!;
  return { type: "and", children: terms.flatMap((t) => (t.type === "and" ? t.children : [t])) };
}

function or(terms: SearchNode[]): SearchNode {
  if (terms.length === 1) return terms[0]!;
  return { type: "or", children: terms.flatMap((t) => (t.type === "or" ? t.children : [t])) };
}
