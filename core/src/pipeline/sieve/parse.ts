// The entry point for reading a user's script, when it is saved (a refusal names its line and column)
// and when it is run.
import { checkScript } from "./check.ts";
import { parseGrammar } from "./grammar.ts";
import { tokenize } from "./lexer.ts";
import type { SieveScript } from "./script.ts";

/** Parses and checks a script; throws SieveSyntaxError (with line and column) for anything it refuses. */
export function parseSieve(text: string): SieveScript {
  return checkScript(text, parseGrammar(text, tokenize(text)));
}
