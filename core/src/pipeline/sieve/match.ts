// Comparators (RFC 4790 via RFC 5228 §2.7.3) and match types (§2.7.1): "i;ascii-casemap" folds only
// A–Z, "i;octet" folds nothing; :is, :contains, and :matches with * (any run) and ? (one character),
// where a backslash makes the next character literal. Every comparison draws on a budget so a script
// cannot make delivery slow by matching patterns against a large body.
import { sieveLimits } from "./limits.ts";
import type { Comparator, Matcher } from "./script.ts";

export class MatchBudget {
  left: number;
  constructor(units: number = sieveLimits.matchBudget) {
    this.left = units;
  }
  spend(units: number): void {
    this.left -= units;
    if (this.left < 0) throw new SieveRuntimeError("the script compares too much text");
  }
}

/** A failure while running (RFC 5228 §2.10.6): the message is kept as if there were no script. */
export class SieveRuntimeError extends Error {
  override name = "SieveRuntimeError";
}

const ASCII = /^[\x00-\x7f]*$/;
const SURROGATE = /[\ud800-\udfff]/;

// toLowerCase is native and fast but folds more than A–Z, so it is only used on ASCII text.
const fold = (text: string, comparator: Comparator) =>
  comparator === "i;octet" ? text : ASCII.test(text) ? text.toLowerCase() : text.replace(/[A-Z]+/g, (run) => run.toLowerCase());

type PatternPart = { type: "star" } | { type: "one" } | { type: "literal"; char: string };

function compilePattern(key: string): PatternPart[] {
  const parts: PatternPart[] = [];
  const chars = Array.from(key);
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k]!;
    if (c === "*") parts.push({ type: "star" });
    else if (c === "?") parts.push({ type: "one" });
    else if (c === "\\" && k + 1 < chars.length) parts.push({ type: "literal", char: chars[++k]! });
    else parts.push({ type: "literal", char: c });
  }
  return parts;
}

/** Glob match, greedy with one backtrack point: O(value × pattern) at worst, never exponential. */
function globMatch(value: ArrayLike<string>, pattern: PatternPart[], budget: MatchBudget): boolean {
  let p = 0;
  let v = 0;
  let starAt = -1;
  let resumeAt = 0;
  let steps = 0;
  while (v < value.length) {
    if (++steps === 4096) {
      budget.spend(steps);
      steps = 0;
    }
    const part = pattern[p];
    if (part && (part.type === "one" || (part.type === "literal" && part.char === value[v]))) {
      p++;
      v++;
    } else if (part?.type === "star") {
      starAt = p++;
      resumeAt = v;
    } else if (starAt >= 0) {
      p = starAt + 1;
      v = ++resumeAt;
    } else {
      budget.spend(steps);
      return false;
    }
  }
  budget.spend(steps);
  while (pattern[p]?.type === "star") p++;
  return p === pattern.length;
}

/** True when any value matches any key (RFC 5228 §2.7.1). */
export function matchesAny(values: string[], matcher: Matcher, budget: MatchBudget): boolean {
  const keys = matcher.keys.map((key) => fold(key, matcher.comparator));
  const patterns = matcher.match === "matches" ? keys.map(compilePattern) : [];
  for (const raw of values) {
    const value = fold(raw, matcher.comparator);
    if (matcher.match === "matches") {
      // "?" is one character: split into code points only when the text has characters beyond UTF-16's first plane.
      const chars = SURROGATE.test(value) ? Array.from(value) : value;
      if (patterns.some((pattern) => globMatch(chars, pattern, budget))) return true;
      continue;
    }
    for (const key of keys) {
      budget.spend(Math.ceil((value.length + key.length) / sieveLimits.nativeCharsPerStep));
      if (matcher.match === "is" ? value === key : value.includes(key)) return true;
    }
  }
  return false;
}
