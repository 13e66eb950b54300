// JSON filter rules → a Sieve script (RFC 5228 with fileinto, imap4flags, copy, envelope, body) that the
// core's Sieve engine runs. The script sets every matching rule's flags first and files afterwards, so a
// message that one rule marks read and another moves is filed read: rules add up, as users expect.
import { searchTerms, type FilterConditions, type FilterRule, type FilterSettings, type VacationSettings } from "./filters.ts";

/** A Sieve quoted string: only " and \ need escaping (RFC 5228 §2.4.2); line breaks are refused by the schema. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

function list(values: string[]): string {
  return values.length === 1 ? quoted(values[0]!) : `[${values.map(quoted).join(", ")}]`;
}

function combine(kind: "allof" | "anyof", tests: string[]): string {
  return tests.length === 1 ? tests[0]! : `${kind}(${tests.join(", ")})`;
}

function conditionTests(c: FilterConditions, match: FilterRule["match"], uses: Set<string>): string[] {
  const tests: string[] = [];
  const contains = (headers: string[], value: string) => `header :contains ${list(headers)} ${quoted(value)}`;
  if (c.from !== undefined) tests.push(contains(["from"], c.from));
  if (c.to !== undefined) {
    uses.add("envelope");
    tests.push(`anyof(${contains(["to", "cc"], c.to)}, envelope :contains "to" ${quoted(c.to)})`);
  }
  if (c.subject !== undefined) tests.push(contains(["subject"], c.subject));
  if (c.words !== undefined) {
    uses.add("body");
    const terms = searchTerms(c.words).map((t) => `anyof(${contains(["subject"], t)}, body :text :contains ${quoted(t)})`);
    // Every word must occur: under "all" they join the rule's own allof, under "any" they form one test.
    if (match === "all") tests.push(...terms);
    else tests.push(combine("allof", terms));
  }
  if (c.hasAttachment !== undefined) {
    const attached = `anyof(${contains(["content-type"], "multipart/mixed")}, ${contains(["content-disposition"], "attachment")})`;
    tests.push(c.hasAttachment ? attached : `not ${attached}`);
  }
  if (c.sizeOver !== undefined) tests.push(`size :over ${c.sizeOver}`);
  if (c.sizeUnder !== undefined) tests.push(`size :under ${c.sizeUnder}`);
  if (c.listId !== undefined) tests.push(contains(["list-id"], c.listId));
  return tests;
}

function flagsOf(rule: FilterRule): string[] {
  const a = rule.actions;
  return [...(a.markRead ? ["\\Seen"] : []), ...(a.star ? ["\\Flagged"] : []), ...(a.neverSpam ? ["$NotJunk"] : []), ...(a.label ?? [])];
}

function deliveryOf(rule: FilterRule, uses: Set<string>): string[] {
  const a = rule.actions;
  const lines: string[] = [];
  if (a.moveTo !== undefined) {
    uses.add("fileinto");
    lines.push(`fileinto ${quoted(a.moveTo)};`);
  }
  if (a.forwardTo !== undefined) {
    uses.add("copy");
    lines.push(`redirect :copy ${quoted(a.forwardTo)};`);
  }
  if (a.discard) lines.push("discard;");
  return lines;
}

/** RFC 5230 vacation, first in the script so that it answers whatever the rules then do with the
 * message. Sieve quoted strings may span lines, so the text goes in as it is. */
function vacationCommand(v: VacationSettings): string {
  const subject = v.subject !== undefined ? ` :subject ${quoted(v.subject)}` : "";
  return `# vacation answer\nvacation :days ${v.days}${subject} ${quoted(v.body.replace(/\r?\n/g, "\r\n"))};`;
}

/** Rules and the vacation answer as one script. */
export function compileFilters(settings: FilterSettings): string {
  return compileRules(settings.rules, settings.vacation?.enabled ? settings.vacation : null);
}

export function compileRules(rules: FilterRule[], vacation: VacationSettings | null = null): string {
  const uses = new Set<string>();
  if (vacation) uses.add("vacation");
  const flagPart: string[] = [];
  const deliveryPart: string[] = [];
  rules.forEach((rule, index) => {
    if (!rule.enabled) return;
    const tests = conditionTests(rule.conditions, rule.match, uses);
    const condition = tests.length === 0 ? "true" : combine(rule.match === "any" ? "anyof" : "allof", tests);
    const title = `# rule ${index + 1}${rule.name ? `: ${rule.name}` : ""}`;
    const block = (lines: string[]) => [title, `if ${condition} {`, ...lines.map((l) => "  " + l), "}"].join("\n");
    const flags = flagsOf(rule);
    if (flags.length > 0) {
      uses.add("imap4flags");
      flagPart.push(block([`addflag ${list(flags)};`]));
    }
    const delivery = deliveryOf(rule, uses);
    if (delivery.length > 0) deliveryPart.push(block(delivery));
  });
  const header = [
    "# Generated from the filter rules; edit the rules rather than this script.",
    "# The flags of every matching rule are set first and the message is filed after, so they reach every folder.",
  ];
  if (uses.size > 0) header.push(`require ${list([...uses].sort())};`);
  return [header.join("\n"), ...(vacation ? [vacationCommand(vacation)] : []), ...flagPart, ...deliveryPart].join("\n\n") + "\n";
}
