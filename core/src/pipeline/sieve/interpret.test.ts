import { describe, expect, it } from "vitest";
import { runSieve, type SieveOutcome } from "./interpret.ts";
import { MatchBudget } from "./match.ts";
import { parseSieve } from "./parse.ts";
import { testMessage, type TestMessageInput } from "./test-message.ts";

const ALL = 'require ["fileinto", "imap4flags", "copy", "envelope", "body", "vacation"];\n';

function run(script: string, message: TestMessageInput = {}): SieveOutcome {
  return runSieve(parseSieve(ALL + script), testMessage(message));
}

const kept = (flags: string[] = []): SieveOutcome => ({ keep: { flags }, fileinto: [], redirect: [], discard: false, vacation: null, error: null });

describe("actions and the implicit keep (RFC 5228 §2.10, RFC 3894)", () => {
  it("keeps a message when the script does nothing", () => {
    expect(run("")).toEqual(kept());
    expect(run('if false { discard; }')).toEqual(kept());
  });

  it("discard cancels the implicit keep, but not an explicit keep", () => {
    expect(run("discard;")).toEqual({ ...kept(), keep: null, discard: true });
    expect(run("keep; discard;")).toEqual({ ...kept(), discard: true });
    expect(run("discard; keep;")).toEqual({ ...kept(), discard: true });
  });

  it("fileinto and redirect cancel the implicit keep unless :copy is given", () => {
    expect(run('fileinto "Work";')).toEqual({ ...kept(), keep: null, fileinto: [{ folder: "Work", flags: [] }] });
    expect(run('fileinto :copy "Work";')).toEqual({ ...kept(), fileinto: [{ folder: "Work", flags: [] }] });
    expect(run('redirect "bob@example.net";')).toEqual({ ...kept(), keep: null, redirect: [{ address: "bob@example.net" }] });
    expect(run('redirect :copy "bob@example.net";')).toEqual({ ...kept(), redirect: [{ address: "bob@example.net" }] });
  });

  it("does the same fileinto or redirect once, and counts fileinto INBOX as the keep", () => {
    const outcome = run('fileinto "A"; fileinto "A"; fileinto "B"; redirect "x@example.net"; redirect "X@Example.net"; fileinto "inbox";');
    expect(outcome.fileinto.map((f) => f.folder)).toEqual(["A", "B"]);
    expect(outcome.redirect).toEqual([{ address: "x@example.net" }]);
    expect(outcome.keep).toEqual({ flags: [] });
  });

  it("stop ends the script, also from inside a block", () => {
    expect(run('if true { fileinto "A"; stop; } fileinto "B";').fileinto.map((f) => f.folder)).toEqual(["A"]);
    expect(run("stop; discard;")).toEqual(kept());
  });

  it("runs the first branch of if/elsif/else whose test holds", () => {
    const script = 'if header :is "x" "1" { fileinto "one"; } elsif header :is "x" "2" { fileinto "two"; } else { fileinto "other"; }';
    expect(run(script, { headers: { x: "1" } }).fileinto[0]!.folder).toBe("one");
    expect(run(script, { headers: { x: "2" } }).fileinto[0]!.folder).toBe("two");
    expect(run(script, { headers: { x: "3" } }).fileinto[0]!.folder).toBe("other");
  });

  it("returns the vacation action with the message still kept (RFC 5230)", () => {
    expect(run('vacation :days 3 :subject "Away" "Back soon";')).toEqual({
      ...kept(),
      vacation: { reason: "Back soon", subject: "Away", from: null, addresses: [], handle: null, periodSeconds: 3 * 86_400 },
    });
  });
});

describe("runtime limits keep the message and drop every other action (RFC 5228 §2.10.6)", () => {
  it("refuses a sixth redirect", () => {
    const script = [1, 2, 3, 4, 5, 6].map((n) => `redirect "r${n}@example.net";`).join("\n");
    expect(run("fileinto \"A\";" + script)).toEqual({ ...kept(), error: "more than 5 redirects" });
    expect(run(script.split("\n").slice(0, 5).join("\n")).redirect).toHaveLength(5);
  });

  it("refuses a second vacation", () => {
    expect(run('vacation "a"; vacation "b";').error).toBe("vacation ran twice");
  });

  it("stops a hostile pattern against a large body within the matching budget", () => {
    const body = "a".repeat(200_000);
    // One star before a long literal: every start position is tried against the literal, O(body × pattern).
    const pattern = "*" + "a".repeat(1000) + "b";
    const script = parseSieve(ALL + `if body :matches "${pattern}" { discard; }`);
    const started = performance.now();
    const outcome = runSieve(script, testMessage({ body }), new MatchBudget(5_000_000));
    expect(outcome).toEqual({ ...kept(), error: "the script compares too much text" });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("leaves room for honest patterns over a whole 1 MiB body", () => {
    const body = "Dear customer, your order has shipped. ".repeat(27_000).slice(0, 1024 * 1024 - 12) + " unsubscribe";
    const outcome = run('if body :matches ["*opt?out*", "*view*online*", "*unsubscribe"] { discard; }', { body });
    expect(outcome).toEqual({ ...kept(), keep: null, discard: true });
  });
});

describe("tests", () => {
  const from = { headers: { from: '"Alice Example" <Alice@Example.COM>', to: "bob@example.net, Carol <carol+list@example.org>", cc: "undisclosed-recipients:;" } };

  it("address reads the addresses of a header, by part (RFC 5228 §5.1)", () => {
    expect(run('if address :is "from" "alice@example.com" { discard; }', from).discard).toBe(true);
    expect(run('if address :localpart :is "from" "alice" { discard; }', from).discard).toBe(true);
    expect(run('if address :domain :is "from" "example.com" { discard; }', from).discard).toBe(true);
    expect(run('if address :domain :is "to" "example.org" { discard; }', from).discard).toBe(true);
    expect(run('if address :all :is "to" "carol+list@example.org" { discard; }', from).discard).toBe(true);
    expect(run('if address :contains "from" "Alice Example" { discard; }', from).discard).toBe(false);
    expect(run('if address :matches "cc" "*" { discard; }', from).discard).toBe(false);
  });

  it("header compares decoded values; a test is true when any value matches any key", () => {
    const msg = { headers: { subject: "MAKE MONEY FAST", received: ["from a", "from b"] } };
    expect(run('if header :contains "Subject" "money" { discard; }', msg).discard).toBe(true);
    expect(run('if header :contains ["to", "subject"] ["nope", "FAST"] { discard; }', msg).discard).toBe(true);
    expect(run('if header :is "received" "from b" { discard; }', msg).discard).toBe(true);
    expect(run('if header :is "subject" "make money" { discard; }', msg).discard).toBe(false);
    expect(run('if header :contains "x-missing" "" { discard; }', msg).discard).toBe(false);
    expect(run('if header :contains "subject" "" { discard; }', msg).discard).toBe(true);
  });

  it("i;octet is case-sensitive, i;ascii-casemap folds only ASCII", () => {
    const msg = { headers: { subject: "Ärger im Büro" } };
    expect(run('if header :comparator "i;octet" :is "subject" "ärger im büro" { discard; }', msg).discard).toBe(false);
    expect(run('if header :is "subject" "ÄRGER IM BÜRO" { discard; }', msg).discard).toBe(false);
    expect(run('if header :is "subject" "Ärger IM Büro" { discard; }', msg).discard).toBe(true);
  });

  it(":matches takes * and ? and a backslash for a literal wildcard", () => {
    const msg = { headers: { subject: "[list] Price: 5* deal?" } };
    const hit = (pattern: string) => run(`if header :matches "subject" ${JSON.stringify(pattern)} { discard; }`, msg).discard;
    expect(hit("[list]*")).toBe(true);
    expect(hit("*deal?")).toBe(true);
    expect(hit("*deal")).toBe(false);
    expect(hit("?list]*")).toBe(true);
    // The pattern's value (after the Sieve string's own escapes) is *5\* deal\? here.
    expect(hit("*5\\* deal\\?")).toBe(true);
    expect(hit("*5\\* deal\\?x")).toBe(false);
    expect(hit("*\\*")).toBe(false);
    expect(hit("*\\**")).toBe(true);
    expect(hit("*")).toBe(true);
    expect(run('if header :matches "subject" "?" { discard; }', { headers: { subject: "😀" } }).discard).toBe(true);
  });

  it("exists needs every header named", () => {
    const msg = { headers: { from: "a@example.org", subject: "x" } };
    expect(run('if exists ["From", "Subject"] { discard; }', msg).discard).toBe(true);
    expect(run('if exists ["From", "Date"] { discard; }', msg).discard).toBe(false);
  });

  it("size :over and :under are strict", () => {
    expect(run("if size :over 1K { discard; }", { size: 1024 }).discard).toBe(false);
    expect(run("if size :over 1K { discard; }", { size: 1025 }).discard).toBe(true);
    expect(run("if size :under 1K { discard; }", { size: 1024 }).discard).toBe(false);
    expect(run("if size :under 1K { discard; }", { size: 1023 }).discard).toBe(true);
  });

  it("allof, anyof and not combine tests", () => {
    expect(run("if allof(true, not false) { discard; }").discard).toBe(true);
    expect(run("if allof(true, false) { discard; }").discard).toBe(false);
    expect(run("if anyof(false, true) { discard; }").discard).toBe(true);
    expect(run("if not anyof(false, false) { discard; }").discard).toBe(true);
  });

  it("envelope reads MAIL FROM and RCPT TO; the null sender matches as \"\" (RFC 5228 §5.4)", () => {
    const msg = { envelope: { from: "bounces+123@lists.example.org", to: "alice+shop@example.com" } };
    expect(run('if envelope :localpart :is "to" "alice+shop" { discard; }', msg).discard).toBe(true);
    expect(run('if envelope :domain :is "from" "lists.example.org" { discard; }', msg).discard).toBe(true);
    expect(run('if envelope :is "from" "" { discard; }', msg).discard).toBe(false);
    expect(run('if envelope :domain :is "from" "" { discard; }', { envelope: { from: "" } }).discard).toBe(true);
  });

  it("body reads the text; :raw the undecoded body; :content only text types (RFC 5173)", () => {
    const msg = { body: "Click here to unsubscribe.", raw: "--b1\r\nContent-Transfer-Encoding: base64\r\n\r\nQ2xpY2s=\r\n--b1--" };
    expect(run('if body :contains "UNSUBSCRIBE" { discard; }', msg).discard).toBe(true);
    expect(run('if body :text :is "unsubscribe" { discard; }', msg).discard).toBe(false);
    expect(run('if body :raw :contains "base64" { discard; }', msg).discard).toBe(true);
    expect(run('if body :raw :contains "unsubscribe" { discard; }', msg).discard).toBe(false);
    expect(run('if body :content "text" :contains "unsubscribe" { discard; }', msg).discard).toBe(true);
    expect(run('if body :content ["image/png", "application"] :contains "" { discard; }', msg).discard).toBe(false);
    expect(run('if body :raw :contains "unsubscribe" { discard; }', { body: "unsubscribe" }).discard).toBe(true);
  });
});

describe("imap4flags (RFC 5232)", () => {
  it("the internal variable gives its flags to the implicit keep and to fileinto", () => {
    expect(run('addflag "\\\\seen"; addflag ["$Work \\\\Flagged", "$work"];')).toEqual(kept(["\\Seen", "$Work", "\\Flagged"]));
    expect(run('setflag "\\\\Seen"; fileinto "A"; removeflag "\\\\SEEN"; fileinto "B";').fileinto).toEqual([
      { folder: "A", flags: ["\\Seen"] },
      { folder: "B", flags: [] },
    ]);
    expect(run('addflag "a"; setflag "b"; keep;')).toEqual(kept(["b"]));
  });

  it(":flags on keep and fileinto replaces the variable for that action", () => {
    const outcome = run('addflag "$Var"; fileinto :flags "\\\\Seen" "A"; keep :flags ["x", "y"];');
    expect(outcome.fileinto).toEqual([{ folder: "A", flags: ["\\Seen"] }]);
    expect(outcome.keep).toEqual({ flags: ["x", "y"] });
  });

  it("ignores flag names that are not IMAP flags", () => {
    expect(run('addflag ["\\\\Recent", "bad(flag", "\\\\Unknown", "ok"];')).toEqual(kept(["ok"]));
  });

  it("collapses a repeated fileinto and merges its flags", () => {
    expect(run('fileinto :flags "a" "F"; fileinto :flags "b" "F";').fileinto).toEqual([{ folder: "F", flags: ["a", "b"] }]);
  });

  it("hasflag tests the variable", () => {
    expect(run('addflag "\\\\Seen $Later"; if hasflag "\\\\seen" { discard; }').discard).toBe(true);
    expect(run('addflag "$Later"; if hasflag :matches "$L*" { discard; }').discard).toBe(true);
    expect(run('addflag "$Later"; if hasflag :comparator "i;octet" "$later" { discard; }').discard).toBe(false);
    expect(run('if hasflag :contains "" { discard; }').discard).toBe(false);
  });
});
