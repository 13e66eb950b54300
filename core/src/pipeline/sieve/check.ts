// Gives the bare grammar its meaning: which commands, tests and tags exist, which extension each needs
// (RFC 5228 §3.2: using one without `require` is an error), how many arguments of which kind they take.
// Every refusal names the place in the script. What is not supported is refused, never ignored, so a
// script brought from Dovecot or Fastmail either runs as written or says why not.
import { parseAddress } from "../../../../shared/address.ts";
import type { Argument, CommandNode, SieveString, TestNode } from "./grammar.ts";
import { SieveSyntaxError } from "./syntax-error.ts";
import {
  supportedExtensions,
  type AddressPart,
  type BodyTransform,
  type Command,
  type Comparator,
  type Extension,
  type Matcher,
  type MatchType,
  type Test,
  type VacationCommand,
} from "./script.ts";

interface TagSpec {
  /** Tags of one group exclude each other (one match type, one address part …). */
  group?: string;
  extension?: Extension;
  takes?: "string" | "strings" | "number";
  /** Known, but not supported here: the reason given to the user. */
  refused?: string;
}

type Kind = "string" | "strings" | "number";

const comparatorTags: Record<string, TagSpec> = { comparator: { group: "comparator", takes: "string" } };
const matchTags: Record<string, TagSpec> = {
  is: { group: "match type" },
  contains: { group: "match type" },
  matches: { group: "match type" },
  regex: { refused: ":regex is not supported; use :matches with * and ?" },
  count: { refused: ":count needs the relational extension, which is not supported" },
  value: { refused: ":value needs the relational extension, which is not supported" },
};
const addressPartTags: Record<string, TagSpec> = {
  all: { group: "address part" },
  localpart: { group: "address part" },
  domain: { group: "address part" },
  user: { refused: ":user needs the subaddress extension, which is not supported" },
  detail: { refused: ":detail needs the subaddress extension, which is not supported" },
};

const commandExtensions: Record<string, Extension> = {
  fileinto: "fileinto",
  setflag: "imap4flags",
  addflag: "imap4flags",
  removeflag: "imap4flags",
  vacation: "vacation",
};
const testExtensions: Record<string, Extension> = { envelope: "envelope", body: "body", hasflag: "imap4flags" };

/** RFC 5228 §5.1: the address test reads only headers that hold addresses. */
const addressHeaders = new Set([
  "from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender",
  "return-path", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "errors-to", "disposition-notification-to",
  "mail-followup-to", "mail-reply-to",
]);

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

interface Bound {
  tags: Map<string, { offset: number; value: Argument | null }>;
  positional: Argument[];
}

export function checkScript(source: string, nodes: CommandNode[]): { extensions: Extension[]; commands: Command[] } {
  const extensions = new Set<Extension>();
  const fail = (offset: number, message: string) => SieveSyntaxError.at(source, offset, message);

  const bind = (node: TestNode, specs: Record<string, TagSpec>): Bound => {
    const bound: Bound = { tags: new Map(), positional: [] };
    const groups = new Map<string, string>();
    const args = node.arguments;
    for (let k = 0; k < args.length; k++) {
      const arg = args[k]!;
      if (arg.type !== "tag") {
        bound.positional.push(arg);
        continue;
      }
      const spec = specs[arg.name];
      if (!spec) throw fail(arg.offset, `unknown tag :${arg.name} for "${node.name}"`);
      if (spec.refused) throw fail(arg.offset, spec.refused);
      if (bound.positional.length > 0) throw fail(arg.offset, `:${arg.name} must come before the other arguments of "${node.name}"`);
      if (spec.extension && !extensions.has(spec.extension)) throw fail(arg.offset, `:${arg.name} needs require "${spec.extension}"`);
      if (bound.tags.has(arg.name)) throw fail(arg.offset, `:${arg.name} is given twice`);
      if (spec.group) {
        const other = groups.get(spec.group);
        if (other) throw fail(arg.offset, `:${arg.name} cannot be used with :${other} (one ${spec.group} only)`);
        groups.set(spec.group, arg.name);
      }
      let value: Argument | null = null;
      if (spec.takes) {
        value = args[++k] ?? null;
        if (!value || !isKind(value, spec.takes)) {
          throw fail(value?.offset ?? arg.offset, `:${arg.name} must be followed by ${describeKind(spec.takes)}`);
        }
      }
      bound.tags.set(arg.name, { offset: arg.offset, value });
    }
    return bound;
  };

  const positional = (node: TestNode, bound: Bound, expected: { kind: Kind; name: string }[]): Argument[] => {
    const given = bound.positional;
    if (given.length > expected.length) throw fail(given[expected.length]!.offset, `too many arguments for "${node.name}"`);
    expected.forEach((want, k) => {
      const arg = given[k];
      if (!arg) throw fail(node.offset, `"${node.name}" needs ${want.name} (${describeKind(want.kind)})`);
      if (!isKind(arg, want.kind)) throw fail(arg.offset, `${want.name} of "${node.name}" must be ${describeKind(want.kind)}`);
    });
    return given;
  };

  const needExtension = (node: TestNode, extension: Extension | undefined) => {
    if (extension && !extensions.has(extension)) throw fail(node.offset, `"${node.name}" needs require "${extension}"`);
  };

  const noTests = (node: TestNode, isCommand: boolean) => {
    const test = node.tests[0];
    if (!test) return;
    // After a command, a word where a test would go is most often the next command with a ';' missing.
    throw fail(test.offset, `"${node.name}" takes no test` + (isCommand ? `; is a ';' missing before "${test.name}"?` : ""));
  };

  const stringValue = (arg: Argument) => (arg as { items: SieveString[] }).items[0]!.value;
  const stringValues = (arg: Argument) => (arg as { items: SieveString[] }).items.map((s) => s.value);
  const strings = (arg: Argument) => (arg as { items: SieveString[] }).items;
  const tagString = (bound: Bound, name: string) => {
    const value = bound.tags.get(name)?.value;
    return value ? stringValue(value) : null;
  };

  const headerNames = (arg: Argument): string[] =>
    strings(arg).map((s) => {
      if (!FIELD_NAME.test(s.value)) throw fail(s.offset, `${JSON.stringify(s.value)} is not a header name`);
      return s.value;
    });

  const matcher = (bound: Bound, keys: string[]): Matcher => {
    const comparatorArg = bound.tags.get("comparator");
    let comparator: Comparator = "i;ascii-casemap";
    if (comparatorArg) {
      const name = stringValue(comparatorArg.value!).toLowerCase();
      if (name !== "i;ascii-casemap" && name !== "i;octet") {
        throw fail(comparatorArg.value!.offset, `comparator "${name}" is not supported (use "i;ascii-casemap" or "i;octet")`);
      }
      comparator = name;
    }
    const match: MatchType = (["is", "contains", "matches"] as const).find((m) => bound.tags.has(m)) ?? "is";
    return { comparator, match, keys };
  };

  const addressPart = (bound: Bound): AddressPart => (["localpart", "domain"] as const).find((p) => bound.tags.has(p)) ?? "all";

  const checkTest = (node: TestNode): Test => {
    needExtension(node, testExtensions[node.name]);
    if (node.name === "allof" || node.name === "anyof") {
      positional(node, bind(node, {}), []);
      if (!node.testList) throw fail(node.offset, `"${node.name}" needs a list of tests in parentheses`);
      return { type: node.name, tests: node.tests.map(checkTest) };
    }
    if (node.name === "not") {
      positional(node, bind(node, {}), []);
      if (node.testList || node.tests.length !== 1) throw fail(node.offset, '"not" needs exactly one test');
      return { type: "not", test: checkTest(node.tests[0]!) };
    }
    noTests(node, false);
    switch (node.name) {
      case "true":
      case "false":
        positional(node, bind(node, {}), []);
        return { type: node.name };
      case "address":
      case "envelope": {
        const bound = bind(node, { ...comparatorTags, ...matchTags, ...addressPartTags });
        const [names, keys] = positional(node, bound, [
          { kind: "strings", name: node.name === "address" ? "header names" : "envelope parts" },
          { kind: "strings", name: "keys" },
        ]);
        const m = matcher(bound, stringValues(keys!));
        const part = addressPart(bound);
        if (node.name === "address") {
          const headers = headerNames(names!);
          strings(names!).forEach((s) => {
            if (!addressHeaders.has(s.value.toLowerCase())) throw fail(s.offset, `"${s.value}" does not hold addresses; use the header test for it`);
          });
          return { type: "address", part, headers, matcher: m };
        }
        const fields = strings(names!).map((s) => {
          const field = s.value.toLowerCase();
          if (field !== "from" && field !== "to") throw fail(s.offset, `envelope part "${s.value}" is not supported (use "from" or "to")`);
          return field;
        });
        return { type: "envelope", part, fields, matcher: m };
      }
      case "header": {
        const bound = bind(node, { ...comparatorTags, ...matchTags });
        const [names, keys] = positional(node, bound, [
          { kind: "strings", name: "header names" },
          { kind: "strings", name: "keys" },
        ]);
        return { type: "header", headers: headerNames(names!), matcher: matcher(bound, stringValues(keys!)) };
      }
      case "exists": {
        const [names] = positional(node, bind(node, {}), [{ kind: "strings", name: "header names" }]);
        return { type: "exists", headers: headerNames(names!) };
      }
      case "size": {
        const bound = bind(node, { over: { group: "size comparison" }, under: { group: "size comparison" } });
        const [limit] = positional(node, bound, [{ kind: "number", name: "a size limit" }]);
        if (!bound.tags.has("over") && !bound.tags.has("under")) throw fail(node.offset, '"size" needs :over or :under');
        return { type: "size", over: bound.tags.has("over"), limit: (limit as { value: number }).value };
      }
      case "body": {
        const bound = bind(node, {
          ...comparatorTags,
          ...matchTags,
          raw: { group: "body transform" },
          text: { group: "body transform" },
          content: { group: "body transform", takes: "strings" },
        });
        const [keys] = positional(node, bound, [{ kind: "strings", name: "keys" }]);
        const content = bound.tags.get("content");
        const transform: BodyTransform = content
          ? { type: "content", contentTypes: stringValues(content.value!) }
          : bound.tags.has("raw")
            ? { type: "raw" }
            : { type: "text" };
        return { type: "body", transform, matcher: matcher(bound, stringValues(keys!)) };
      }
      case "hasflag": {
        const bound = bind(node, { ...comparatorTags, ...matchTags });
        if (bound.positional.length === 2) throw fail(bound.positional[0]!.offset, "flag variables need the variables extension, which is not supported");
        const [flags] = positional(node, bound, [{ kind: "strings", name: "flags" }]);
        return { type: "hasflag", matcher: matcher(bound, stringValues(flags!)) };
      }
      default:
        throw fail(node.offset, `unknown test "${node.name}"`);
    }
  };

  const checkVacation = (node: CommandNode): VacationCommand => {
    const bound = bind(node, {
      days: { group: "period", takes: "number" },
      seconds: { group: "period", takes: "number", extension: "vacation-seconds" },
      subject: { takes: "string" },
      from: { takes: "string" },
      addresses: { takes: "strings" },
      handle: { takes: "string" },
      mime: { refused: ":mime is not supported; write the vacation reason as plain text" },
    });
    const [reason] = positional(node, bound, [{ kind: "string", name: "a reason" }]);
    const from = bound.tags.get("from");
    if (from && !parseAddress(stringValue(from.value!).replace(/^.*<([^>]*)>\s*$/, "$1"))) {
      throw fail(from.value!.offset, ":from must be a mail address");
    }
    const addresses = bound.tags.get("addresses");
    for (const s of addresses ? strings(addresses.value!) : []) {
      if (!parseAddress(s.value)) throw fail(s.offset, `${JSON.stringify(s.value)} is not a mail address`);
    }
    const days = bound.tags.get("days")?.value as { value: number } | undefined;
    const seconds = bound.tags.get("seconds")?.value as { value: number } | undefined;
    return {
      type: "vacation",
      reason: stringValue(reason!),
      subject: tagString(bound, "subject"),
      from: tagString(bound, "from"),
      addresses: addresses ? stringValues(addresses.value!) : [],
      handle: tagString(bound, "handle"),
      periodSeconds: days ? days.value * 86_400 : seconds ? seconds.value : null,
    };
  };

  const checkCommand = (node: CommandNode): Command => {
    needExtension(node, commandExtensions[node.name]);
    noTests(node, true);
    if (node.block) throw fail(node.offset, `"${node.name}" ends with ';', not with a block`);
    const flagsTag: Record<string, TagSpec> = { flags: { takes: "strings", extension: "imap4flags" } };
    const copyTag: Record<string, TagSpec> = { copy: { extension: "copy" } };
    const flagsOf = (bound: Bound) => {
      const flags = bound.tags.get("flags");
      return flags ? stringValues(flags.value!) : null;
    };
    switch (node.name) {
      case "stop":
      case "discard":
        positional(node, bind(node, {}), []);
        return { type: node.name };
      case "keep": {
        const bound = bind(node, flagsTag);
        positional(node, bound, []);
        return { type: "keep", flags: flagsOf(bound) };
      }
      case "redirect": {
        const bound = bind(node, copyTag);
        const [target] = positional(node, bound, [{ kind: "string", name: "an address" }]);
        const address = stringValue(target!);
        if (!parseAddress(address)) throw fail(target!.offset, `${JSON.stringify(address)} is not a mail address`);
        return { type: "redirect", address, copy: bound.tags.has("copy") };
      }
      case "fileinto": {
        // RFC 5490's :create (Dovecot and Roundcube write it): a folder a filter names is made when
        // missing anyway, so it changes nothing here.
        const bound = bind(node, { ...copyTag, ...flagsTag, create: { extension: "mailbox" } });
        const [folder] = positional(node, bound, [{ kind: "string", name: "a folder name" }]);
        if (stringValue(folder!) === "") throw fail(folder!.offset, "the folder name is empty");
        return { type: "fileinto", folder: stringValue(folder!), copy: bound.tags.has("copy"), flags: flagsOf(bound) };
      }
      case "setflag":
      case "addflag":
      case "removeflag": {
        const bound = bind(node, {});
        if (bound.positional.length === 2) throw fail(bound.positional[0]!.offset, "flag variables need the variables extension, which is not supported");
        const [flags] = positional(node, bound, [{ kind: "strings", name: "flags" }]);
        return { type: node.name, flags: stringValues(flags!) };
      }
      case "vacation":
        return checkVacation(node);
      default:
        throw fail(node.offset, `unknown command "${node.name}"`);
    }
  };

  const checkRequire = (node: CommandNode) => {
    noTests(node, true);
    if (node.block) throw fail(node.offset, '"require" ends with \';\', not with a block');
    const [names] = positional(node, bind(node, {}), [{ kind: "strings", name: "extension names" }]);
    for (const s of strings(names!)) {
      const name = s.value.toLowerCase();
      if (!(supportedExtensions as readonly string[]).includes(name)) {
        throw fail(s.offset, `extension "${s.value}" is not supported (supported: ${supportedExtensions.join(", ")})`);
      }
      extensions.add(name as Extension);
    }
  };

  const checkBlock = (nodes: CommandNode[], top: boolean): Command[] => {
    const out: Command[] = [];
    let requireAllowed = top;
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      if (node.name === "require") {
        if (!requireAllowed) throw fail(node.offset, '"require" must come before all other commands, at the top of the script');
        checkRequire(node);
        continue;
      }
      requireAllowed = false;
      if (node.name === "elsif" || node.name === "else") throw fail(node.offset, `"${node.name}" must follow "if" or "elsif"`);
      if (node.name !== "if") {
        out.push(checkCommand(node));
        continue;
      }
      const branches: { test: Test; block: Command[] }[] = [];
      let otherwise: Command[] | null = null;
      for (let branch: CommandNode | undefined = node; branch; branch = nodes[k + 1]) {
        if (branch !== node && branch.name !== "elsif" && branch.name !== "else") break;
        if (branch !== node) k++;
        positional(branch, bind(branch, {}), []);
        if (branch.name === "else") {
          const test = branch.tests[0];
          if (test) throw fail(test.offset, test.name === "if" ? '"else if" is written "elsif" in Sieve' : '"else" takes no test');
          if (!branch.block) throw fail(branch.offset, '"else" needs a block in braces');
          otherwise = checkBlock(branch.block, false);
          break;
        }
        if (branch.tests.length === 0) throw fail(branch.offset, `"${branch.name}" needs a test`);
        if (branch.testList) throw fail(branch.offset, `"${branch.name}" takes one test; combine tests with allof(…) or anyof(…)`);
        const test = checkTest(branch.tests[0]!);
        if (!branch.block) throw fail(branch.offset, `"${branch.name}" needs a block in braces`);
        branches.push({ test, block: checkBlock(branch.block, false) });
      }
      out.push({ type: "if", branches, otherwise });
    }
    return out;
  };

  const commands = checkBlock(nodes, true);
  return { extensions: [...extensions], commands };
}

function isKind(arg: Argument, kind: Kind): boolean {
  if (kind === "number") return arg.type === "number";
  if (kind === "string") return arg.type === "strings" && !arg.bracketed;
  return arg.type === "strings";
}

function describeKind(kind: Kind): string {
  return kind === "number" ? "a number" : kind === "string" ? "a string" : "a string or a list of strings";
}
