// Query trees written by hand, for tests and the search benchmark that build them without the parser.
import type { SearchNode, TextField } from "../../core/src/search/query-ast.ts";

export const word = (value: string): SearchNode => ({ type: "text", value, phrase: false });
export const phrase = (value: string): SearchNode => ({ type: "text", value, phrase: true });
export const field = (f: TextField, value: string): SearchNode => ({ type: "field", field: f, value, phrase: false });
export const and = (...children: SearchNode[]): SearchNode => ({ type: "and", children });
export const or = (...children: SearchNode[]): SearchNode => ({ type: "or", children });
export const not = (child: SearchNode): SearchNode => ({ type: "not", child });
