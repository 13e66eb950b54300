// Entry points for reading a user's script: parse it for running, or validate it for an editor/API answer.
import { checkScript } from "./check.ts";
import { parseGrammar } from "./grammar.ts";
import { tokenize } from "./lexer.ts";
import type { SieveScript } from "./script.ts";
import { SieveSyntaxError } from "./syntax-error.ts";

/** Parses and checks a script; throws SieveSyntaxError (with line and column) for anything it refuses. */
export function parseSieve(text: string): SieveScript {
  return checkScript(text, parseGrammar(text, tokenize(text)));
}

/** null when the script is accepted, else where and why it is not. */
export function validateSieve(text: string): null | { line: number; column: number; message: string } {
  try {
    parseSieve(text);
    return null;
  } catch (error) {
    if (error instanceof SieveSyntaxError) return { line: error.line, column: error.column, message: error.message };
    throw error;
  }
}
