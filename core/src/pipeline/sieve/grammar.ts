// Sieve's grammar (RFC 5228 §8.2) without meaning: commands with arguments, tests, test lists and
// blocks. Which names and tags exist, and what they need, is checked afterwards (check.ts), so this
// file stays the RFC's nine production rules.
import { sieveLimits } from "./limits.ts";
import { SieveSyntaxError } from "./syntax-error.ts";
import type { Punctuation, Token } from "./lexer.ts";

export interface SieveString {
  value: string;
  offset: number;
}

export type Argument =
  | { type: "strings"; items: SieveString[]; bracketed: boolean; offset: number }
  | { type: "number"; value: number; offset: number }
  | { type: "tag"; name: string; offset: number };

export interface TestNode {
  name: string;
  offset: number;
  arguments: Argument[];
  /** The tests after the arguments: one bare test, or a parenthesized list. */
  tests: TestNode[];
  testList: boolean;
}

export interface CommandNode extends TestNode {
  /** The commands between braces, or null when the command ended with ";". */
  block: CommandNode[] | null;
}

const describe = (token: Token): string => {
  switch (token.type) {
    case "end":
      return "the end of the script";
    case "identifier":
      return `"${token.value}"`;
    case "tag":
      return `:${token.value}`;
    case "number":
      return `the number ${token.value}`;
    case "string":
      return "a string";
    case "punctuation":
      return `'${token.value}'`;
  }
};

export function parseGrammar(source: string, tokens: Token[]): CommandNode[] {
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position]!;
  const next = () => tokens[position++]!;
  const fail = (token: Token, message: string) => SieveSyntaxError.at(source, token.offset, message);
  const isPunctuation = (token: Token, value: Punctuation) => token.type === "punctuation" && token.value === value;
  const enter = (token: Token) => {
    if (++depth > sieveLimits.maxNesting) throw fail(token, `blocks and tests are nested more than ${sieveLimits.maxNesting} deep`);
  };

  const stringList = (open: Token): Argument => {
    const items: SieveString[] = [];
    for (;;) {
      const token = next();
      if (token.type !== "string") throw fail(token, `expected a string in the list, found ${describe(token)}`);
      items.push({ value: token.value, offset: token.offset });
      const separator = next();
      if (isPunctuation(separator, "]")) break;
      if (!isPunctuation(separator, ",")) throw fail(separator, `expected ',' or ']' in the string list, found ${describe(separator)}`);
    }
    return { type: "strings", items, bracketed: true, offset: open.offset };
  };

  const argumentList = (): Argument[] => {
    const list: Argument[] = [];
    for (;;) {
      const token = peek();
      if (token.type === "string") list.push({ type: "strings", items: [{ value: token.value, offset: token.offset }], bracketed: false, offset: token.offset });
      else if (token.type === "number") list.push({ type: "number", value: token.value, offset: token.offset });
      else if (token.type === "tag") list.push({ type: "tag", name: token.value, offset: token.offset });
      else if (isPunctuation(token, "[")) {
        next();
        list.push(stringList(token));
        continue;
      } else return list;
      next();
    }
  };

  const test = (): TestNode => {
    const token = next();
    if (token.type !== "identifier") throw fail(token, `expected a test, found ${describe(token)}`);
    enter(token);
    const node: TestNode = { name: token.value, offset: token.offset, arguments: argumentList(), tests: [], testList: false };
    testsInto(node);
    depth--;
    return node;
  };

  const testsInto = (node: TestNode) => {
    const token = peek();
    if (token.type === "identifier") {
      node.tests = [test()];
    } else if (isPunctuation(token, "(")) {
      next();
      node.testList = true;
      for (;;) {
        node.tests.push(test());
        const separator = next();
        if (isPunctuation(separator, ")")) break;
        if (!isPunctuation(separator, ",")) throw fail(separator, `expected ',' or ')' in the test list, found ${describe(separator)}`);
      }
    }
  };

  const command = (): CommandNode => {
    const token = next();
    if (token.type !== "identifier") throw fail(token, `expected a command, found ${describe(token)}`);
    const node: CommandNode = { name: token.value, offset: token.offset, arguments: argumentList(), tests: [], testList: false, block: null };
    testsInto(node);
    const end = next();
    if (isPunctuation(end, "{")) {
      enter(end);
      node.block = commands(end);
      depth--;
    } else if (!isPunctuation(end, ";")) {
      throw fail(end, `expected ';' after "${node.name}", found ${describe(end)}`);
    }
    return node;
  };

  const commands = (open: Token | null): CommandNode[] => {
    const list: CommandNode[] = [];
    for (;;) {
      const token = peek();
      if (open && isPunctuation(token, "}")) {
        next();
        return list;
      }
      if (token.type === "end") {
        if (open) throw fail(open, "block is not closed: '}' is missing");
        return list;
      }
      list.push(command());
    }
  };

  return commands(null);
}
