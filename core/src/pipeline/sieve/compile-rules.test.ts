import { describe, expect, it } from "vitest";
import { compileRules } from "../../../../shared/filters-sieve.ts";
import { FilterRules } from "../../../../shared/filters.ts";
import { fieldErrors } from "../../../../shared/problem.ts";
import { runSieve, type SieveOutcome } from "./interpret.ts";
import { parseSieve } from "./parse.ts";
import { testMessage, type TestMessageInput } from "./test-message.ts";

function rules(input: unknown) {
  return FilterRules.parse(input);
}

function problems(input: unknown) {
  const parsed = FilterRules.safeParse(input);
  if (parsed.success) throw new Error("the rules were accepted");
  return fieldErrors(parsed.error.issues);
}

/** Compile, parse back with the Sieve engine, and run on a message. */
function outcome(input: unknown, message: TestMessageInput = {}): SieveOutcome {
  return runSieve(parseSieve(compileRules(rules(input))), testMessage(message));
}

describe("filter rule validation names the field", () => {
  it.each([
    [[{ conditions: { from: "" }, actions: { markRead: true } }], "0.conditions.from", "must not be empty"],
    [[{ conditions: { subject: "a\nb" }, actions: { markRead: true } }], "0.conditions.subject", "must not contain line breaks or control characters"],
    [[{ conditions: { words: '""' }, actions: { markRead: true } }], "0.conditions.words", "must contain at least one word"],
    [[{ conditions: {}, actions: {} }], "0.actions", "give at least one action: moveTo, label, markRead, star, forwardTo, discard or neverSpam"],
    [[{ conditions: {}, actions: { markRead: false } }], "0.actions", "give at least one action: moveTo, label, markRead, star, forwardTo, discard or neverSpam"],
    [[{ conditions: {}, actions: { label: ["two words"] } }], "0.actions.label.0", 'must be one word of ASCII letters, digits or punctuation other than ( ) { % * " \\ ]'],
    [[{ conditions: {}, actions: { forwardTo: "bob" } }], "0.actions.forwardTo", "must be a mail address such as bob@example.org"],
    [[{ conditions: {}, actions: { discard: true, moveTo: "Archive" } }], "0.actions.discard", "cannot be combined with moveTo: a discarded message is not stored"],
    [[{ conditions: { sizeOver: -1 }, actions: { discard: true } }], "0.conditions.sizeOver", "Too small: expected number to be >=0"],
    [[{ conditions: {}, match: "some", actions: { discard: true } }], "0.match", 'Invalid option: expected one of "all"|"any"'],
  ])("%j → %s", (input, field, message) => {
    expect(problems(input)).toContainEqual({ field, message });
  });

  it("refuses unknown fields", () => {
    expect(problems([{ conditions: { sender: "x" }, actions: { discard: true } }])[0]!.field).toBe("0.conditions");
  });
});

describe("compileRules", () => {
  it("writes a readable script using only the extensions it needs", () => {
    const script = compileRules(
      rules([
        { name: "Newsletters", conditions: { listId: "news.example.org", words: 'sale "50% off"' }, actions: { moveTo: "News", markRead: true, label: ["$News"] } },
        { conditions: { from: "boss@example.com" }, match: "any", actions: { star: true, forwardTo: "me@example.net" } },
        { enabled: false, conditions: {}, actions: { discard: true } },
      ]),
    );
    expect(script).toBe(`# Generated from the filter rules; edit the rules rather than this script.
# The flags of every matching rule are set first and the message is filed after, so they reach every folder.
require ["body", "copy", "fileinto", "imap4flags"];

# rule 1: Newsletters
if allof(anyof(header :contains "subject" "sale", body :text :contains "sale"), anyof(header :contains "subject" "50% off", body :text :contains "50% off"), header :contains "list-id" "news.example.org") {
  addflag ["\\\\Seen", "$News"];
}

# rule 2
if header :contains "from" "boss@example.com" {
  addflag "\\\\Flagged";
}

# rule 1: Newsletters
if allof(anyof(header :contains "subject" "sale", body :text :contains "sale"), anyof(header :contains "subject" "50% off", body :text :contains "50% off"), header :contains "list-id" "news.example.org") {
  fileinto "News";
}

# rule 2
if header :contains "from" "boss@example.com" {
  redirect :copy "me@example.net";
}
`);
    expect(parseSieve(script).extensions.sort()).toEqual(["body", "copy", "fileinto", "imap4flags"]);
  });

  it("compiles no rules to a script that keeps everything", () => {
    expect(outcome([])).toEqual({ keep: { flags: [] }, fileinto: [], redirect: [], discard: false, vacation: null, error: null });
  });

  it("adds up the rules: flags from one, folder from another", () => {
    const input = [
      { conditions: { from: "example.com" }, actions: { markRead: true } },
      { conditions: { subject: "report" }, actions: { moveTo: "Reports", star: true } },
    ];
    const both = outcome(input, { headers: { from: "Ann <ann@example.com>", subject: "Weekly Report" } });
    expect(both.keep).toBeNull();
    expect(both.fileinto).toEqual([{ folder: "Reports", flags: ["\\Seen", "\\Flagged"] }]);
    expect(outcome(input, { headers: { from: "ann@example.com", subject: "hi" } }).keep).toEqual({ flags: ["\\Seen"] });
    expect(outcome(input, { headers: { from: "x@example.org", subject: "hi" } }).keep).toEqual({ flags: [] });
  });

  it("maps every action", () => {
    const all = { conditions: {}, actions: { label: ["Work", "$Todo"], markRead: true, star: true, neverSpam: true, moveTo: "Projekte/Büro", forwardTo: "me@example.net" } };
    expect(outcome([all])).toEqual({
      keep: null,
      fileinto: [{ folder: "Projekte/Büro", flags: ["\\Seen", "\\Flagged", "$NotJunk", "Work", "$Todo"] }],
      redirect: [{ address: "me@example.net" }],
      discard: false,
      vacation: null,
      error: null,
    });
    expect(outcome([{ conditions: {}, actions: { discard: true, forwardTo: "me@example.net" } }])).toMatchObject({ keep: null, discard: true, redirect: [{ address: "me@example.net" }] });
    expect(outcome([{ conditions: {}, actions: { neverSpam: true } }]).keep).toEqual({ flags: ["$NotJunk"] });
  });

  it("tests each condition", () => {
    const hit = (conditions: object, message: TestMessageInput) => outcome([{ conditions, actions: { moveTo: "Hit" } }], message).fileinto.length === 1;
    expect(hit({ to: "alice+shop" }, { envelope: { to: "alice+shop@example.com" } })).toBe(true);
    expect(hit({ to: "team@example.com" }, { headers: { cc: "Team <team@example.com>" } })).toBe(true);
    expect(hit({ to: "team@example.com" }, { headers: { to: "alice@example.com" } })).toBe(false);
    expect(hit({ words: "invoice march" }, { headers: { subject: "Your invoice" }, body: "for March" })).toBe(true);
    expect(hit({ words: "invoice march" }, { headers: { subject: "Your invoice" }, body: "for April" })).toBe(false);
    expect(hit({ words: '"for march"' }, { body: "payment for March" })).toBe(true);
    expect(hit({ words: '"for march"' }, { body: "for the March" })).toBe(false);
    expect(hit({ hasAttachment: true }, { headers: { "content-type": "multipart/mixed; boundary=x" } })).toBe(true);
    expect(hit({ hasAttachment: true }, { headers: { "content-type": "application/pdf", "content-disposition": 'attachment; filename="a.pdf"' } })).toBe(true);
    expect(hit({ hasAttachment: true }, { headers: { "content-type": "multipart/alternative; boundary=x" } })).toBe(false);
    expect(hit({ hasAttachment: false }, { headers: { "content-type": "text/plain" } })).toBe(true);
    expect(hit({ sizeOver: 5000 }, { size: 5001 })).toBe(true);
    expect(hit({ sizeUnder: 5000 }, { size: 5001 })).toBe(false);
    expect(hit({ listId: "dev.lists.example.org" }, { headers: { "list-id": "Developers <dev.lists.example.org>" } })).toBe(true);
  });

  it('"all" needs every condition, "any" one of them (but every word of a words condition)', () => {
    const conditions = { from: "ann@", subject: "urgent" };
    const message = { headers: { from: "ann@example.com", subject: "lunch?" } };
    expect(outcome([{ conditions, actions: { star: true } }], message).keep).toEqual({ flags: [] });
    expect(outcome([{ conditions, match: "any", actions: { star: true } }], message).keep).toEqual({ flags: ["\\Flagged"] });
    const words = { words: "lunch friday", sizeOver: 1_000_000 };
    expect(outcome([{ conditions: words, match: "any", actions: { star: true } }], { ...message, body: "on friday" }).keep).toEqual({ flags: ["\\Flagged"] });
    expect(outcome([{ conditions: words, match: "any", actions: { star: true } }], { ...message, body: "on monday" }).keep).toEqual({ flags: [] });
  });

  it("escapes quotes, backslashes and wildcards so any text round-trips and matches only itself", () => {
    const alphabet = ['"', "\\", "*", "?", "[", "]", "{", "}", "(", ")", ";", ",", "#", "/", ":", "text:", "é", "😀", "a", "Z", " "];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 300; n++) {
      const text = "x" + Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      const input = [{ conditions: { subject: text }, actions: { moveTo: text } }];
      expect(outcome(input, { headers: { subject: `>>${text}<<` } }).fileinto).toEqual([{ folder: text, flags: [] }]);
      // A wildcard in the text is literal: where it stands for another character, nothing matches.
      if (/[*?]/.test(text)) expect(outcome(input, { headers: { subject: text.replace(/[*?]/g, "Q") } }).fileinto).toEqual([]);
    }
  });
});
