// Gmail's `from:me` / `to:me` / `cc:me`: "me" is the signed-in user's address, known only when a
// user searches, not when the query is parsed.
import type { SearchNode } from "./query-ast.ts";

export function resolveMe(node: SearchNode, address: string): SearchNode {
  switch (node.type) {
    case "field":
      return !node.phrase && node.value.toLowerCase() === "me" && node.field !== "subject" && node.field !== "filename" ? { ...node, value: address, phrase: true } : node;
    case "and":
    case "or":
      return { ...node, children: node.children.map((c) => resolveMe(c, address)) };
    case "not":
      return { ...node, child: resolveMe(node.child, address) };
    default:
      return node;
  }
}
