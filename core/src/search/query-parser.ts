// TEMPORARY: a stand-in for the real parser (Gmail's operators, OR, parentheses, dates), which another
// branch writes with the same signature; the lead replaces this file at merge. It knows free words
// and "exact phrases" only, so that the index, the routes and their tests can be built meanwhile.
import { SearchSyntaxError, type SearchNode } from "./query-ast.ts";

export function parseSearchQuery(q: string, _now: number = Date.now()): SearchNode {
  const children: SearchNode[] = [];
  const token = /"([^"]*)("?)|[^\s"]+/g;
  for (const m of q.matchAll(token)) {
    if (m[0].startsWith('"')) {
      if (m[2] !== '"') throw new SearchSyntaxError(m.index, "this quote is never closed");
      if (m[1]!.trim()) children.push({ type: "text", value: m[1]!, phrase: true });
    } else children.push({ type: "text", value: m[0], phrase: false });
  }
  return children.length === 1 ? children[0]! : { type: "and", children };
}
