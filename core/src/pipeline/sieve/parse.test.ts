import { describe, expect, it } from "vitest";
import { parseSieve } from "./parse.ts";
import { SieveSyntaxError } from "./syntax-error.ts";

// The kind of script people keep in Dovecot (Pigeonhole), or that Roundcube and Fastmail write.
const fastmailStyle = `require ["fileinto", "imap4flags", "copy", "envelope", "body", "vacation"];

# Mailing lists
if header :contains "List-Id" "<dev.lists.example.org>" {
  fileinto "Lists/dev";
  stop;
}

/* Invoices from
   the accounting system */
if allof (address :domain :is "from" "billing.example.com",
          header :matches "subject" ["Invoice *", "Rechnung *"]) {
  addflag "$Invoice";
  fileinto :flags ["\\\\Seen", "$Invoice"] "Finance";
}
elsif anyof (size :over 10M, exists ["X-Big", "X-Huge"]) {
  fileinto :copy "Large";
} else {
  keep;
}

if envelope :localpart :is "to" "alice+shop" { fileinto "Shopping"; }
if body :text :contains ["unsubscribe", "opt out"] { addflag "$Newsletter"; }
if header :comparator "i;octet" :is "X-Spam-Flag" "YES" { fileinto "Junk"; }

vacation :days 7 :subject "Out of office" :from "alice@example.com"
  :addresses ["alice@example.org", "a.smith@example.com"] :handle "ooo-2026"
text:
Hello,

I am away until Monday.
..this line started with a dot
.
;
`;

const roundcubeStyle = `require ["fileinto","vacation"];
# rule:[spam]
if header :contains "subject" "[SPAM]"
{
\tfileinto "Junk";
\tstop;
}
# rule:[away]
if true
{
\tvacation :days 1 :subject "Away" "I'm away, back on the 3rd.";
}
`;

const dovecotDefault = `require "fileinto";\r\nif header :contains "X-Spam-Flag" "YES" {\r\n  fileinto "Junk";\r\n  stop;\r\n}\r\n`;

function errorOf(script: string): { line: number; column: number; message: string } {
  try {
    parseSieve(script);
  } catch (error) {
    if (error instanceof SieveSyntaxError) return { line: error.line, column: error.column, message: error.message };
    throw error;
  }
  throw new Error("the script was accepted");
}

describe("parseSieve accepts real-world scripts", () => {
  it("reads a Fastmail-style script with every supported extension", () => {
    const script = parseSieve(fastmailStyle);
    expect(script.extensions.sort()).toEqual(["body", "copy", "envelope", "fileinto", "imap4flags", "vacation"]);
    expect(script.commands.map((c) => c.type)).toEqual(["if", "if", "if", "if", "if", "vacation"]);
    const invoices = script.commands[1]!;
    expect(invoices.type === "if" && invoices.branches.length).toBe(2);
    expect(invoices.type === "if" && invoices.otherwise).toEqual([{ type: "keep", flags: null }]);
    if (invoices.type !== "if") throw new Error("not an if");
    expect(invoices.branches[0]!.test).toEqual({
      type: "allof",
      tests: [
        { type: "address", part: "domain", headers: ["from"], matcher: { comparator: "i;ascii-casemap", match: "is", keys: ["billing.example.com"] } },
        { type: "header", headers: ["subject"], matcher: { comparator: "i;ascii-casemap", match: "matches", keys: ["Invoice *", "Rechnung *"] } },
      ],
    });
    expect(invoices.branches[0]!.block[1]).toEqual({ type: "fileinto", folder: "Finance", copy: false, flags: ["\\Seen", "$Invoice"] });
    expect(invoices.branches[1]!.test).toEqual({
      type: "anyof",
      tests: [
        { type: "size", over: true, limit: 10 * 1024 * 1024 },
        { type: "exists", headers: ["X-Big", "X-Huge"] },
      ],
    });
    expect(script.commands[5]).toEqual({
      type: "vacation",
      reason: "Hello,\r\n\r\nI am away until Monday.\r\n.this line started with a dot\r\n",
      subject: "Out of office",
      from: "alice@example.com",
      addresses: ["alice@example.org", "a.smith@example.com"],
      handle: "ooo-2026",
      periodSeconds: 7 * 86_400,
    });
  });

  it("reads Roundcube's layout (braces on their own line, tabs) and CRLF line ends", () => {
    expect(parseSieve(roundcubeStyle).commands).toHaveLength(2);
    expect(parseSieve(dovecotDefault).commands).toEqual([
      {
        type: "if",
        branches: [
          {
            test: { type: "header", headers: ["X-Spam-Flag"], matcher: { comparator: "i;ascii-casemap", match: "contains", keys: ["YES"] } },
            block: [{ type: "fileinto", folder: "Junk", copy: false, flags: null }, { type: "stop" }],
          },
        ],
        otherwise: null,
      },
    ]);
  });

  it("decodes string escapes, size quantifiers and is case-insensitive in names", () => {
    const script = parseSieve(`REQUIRE "FileInto"; IF Size :Over 2k { FileInto "a\\"b\\\\c\\d"; } if size :under 1G { keep; }`);
    expect(script.commands[0]).toMatchObject({ branches: [{ test: { type: "size", over: true, limit: 2048 }, block: [{ folder: 'a"b\\cd' }] }] });
    expect(script.commands[1]).toMatchObject({ branches: [{ test: { limit: 1024 ** 3, over: false } }] });
  });

  it("accepts an empty script and one of comments only", () => {
    expect(parseSieve("").commands).toEqual([]);
    expect(parseSieve("# nothing\n/* at all */\n").commands).toEqual([]);
  });

  it("takes text: with a comment after it and keeps an empty line", () => {
    const script = parseSieve('require "vacation";\nvacation text: # the reason\n\nBack soon.\n.\n;');
    expect(script.commands[0]).toMatchObject({ reason: "\r\nBack soon.\r\n" });
  });

  it("reads vacation :seconds with vacation-seconds, and flag commands", () => {
    const script = parseSieve('require ["vacation", "vacation-seconds", "imap4flags"]; vacation :seconds 3600 "x"; setflag "\\\\Seen"; removeflag ["a", "b c"];');
    expect(script.commands).toEqual([
      { type: "vacation", reason: "x", subject: null, from: null, addresses: [], handle: null, periodSeconds: 3600 },
      { type: "setflag", flags: ["\\Seen"] },
      { type: "removeflag", flags: ["a", "b c"] },
    ]);
  });
});

describe("parseSieve refuses with the line and column of the fault", () => {
  it.each([
    ['require "fileinto";\nif true {\n  fileinto :copy "x";\n}', 3, 12, ':copy needs require "copy"'],
    ["keep;\nfoo;", 2, 1, 'unknown command "foo"'],
    ["keep\ndiscard;", 2, 1, `"keep" takes no test; is a ';' missing before "discard"?`],
    ["keep;\ndiscard\n", 3, 1, `expected ';' after "discard", found the end of the script`],
    ['if header :is "subject" "abc {\n  keep;\n}', 1, 25, 'string is not closed: a " is missing'],
    ["keep;\n  /* never closed", 2, 3, "comment is not closed: */ is missing"],
    ["if true {\n  keep;", 1, 9, "block is not closed: '}' is missing"],
    ['require ["fileinto", "regex"];', 1, 22, 'extension "regex" is not supported (supported: fileinto, imap4flags, copy, envelope, body, vacation, vacation-seconds, mailbox, comparator-i;octet, comparator-i;ascii-casemap)'],
    ['fileinto "Junk";', 1, 1, '"fileinto" needs require "fileinto"'],
    ['keep;\nrequire "fileinto";', 2, 1, '"require" must come before all other commands, at the top of the script'],
    ['if header :regex "subject" "a.*b" { keep; }', 1, 11, ":regex is not supported; use :matches with * and ?"],
    ['require "vacation";\nvacation :mime "Content-Type: text/plain\r\n\r\nx";', 2, 10, ":mime is not supported; write the vacation reason as plain text"],
    ["keep;\n  elsif true { keep; }", 2, 3, '"elsif" must follow "if" or "elsif"'],
    ['if address :is "subject" "x" { keep; }', 1, 16, '"subject" does not hold addresses; use the header test for it'],
    ['redirect "not an address";', 1, 10, '"not an address" is not a mail address'],
    ['require "fileinto"; fileinto "x" :copy;', 1, 34, ':copy must come before the other arguments of "fileinto"'],
    ['if header :is :contains "a" "b" { keep; }', 1, 15, ":contains cannot be used with :is (one match type only)"],
    ["if size 100 { keep; }", 1, 4, '"size" needs :over or :under'],
    ["if (true) { keep; }", 1, 1, '"if" takes one test; combine tests with allof(…) or anyof(…)'],
    ["if true keep;", 1, 9, '"true" takes no test'],
    ["if true { keep; } else { keep; } else { keep; }", 1, 34, '"else" must follow "if" or "elsif"'],
    ["if true", 1, 8, "expected ';' after \"if\", found the end of the script"],
    ["if true;", 1, 1, '"if" needs a block in braces'],
    ["keep true;", 1, 6, `"keep" takes no test; is a ';' missing before "true"?`],
    ['if header :comparator "i;unicode-casemap" :is "a" "b" { keep; }', 1, 23, 'comparator "i;unicode-casemap" is not supported (use "i;ascii-casemap" or "i;octet")'],
    ['require "envelope"; if envelope :is "auth" "x" { keep; }', 1, 37, 'envelope part "auth" is not supported (use "from" or "to")'],
    ['require "imap4flags"; addflag "myvar" "\\\\Seen";', 1, 31, "flag variables need the variables extension, which is not supported"],
    ['require "fileinto"; fileinto ["a", "b"];', 1, 30, 'a folder name of "fileinto" must be a string'],
    ['require "fileinto"; fileinto;', 1, 21, '"fileinto" needs a folder name (a string)'],
    ["discard 5;", 1, 9, 'too many arguments for "discard"'],
    ['if header :is "subject" ["a", ] { keep; }', 1, 31, "expected a string in the list, found ']'"],
    ["if size :over 99999999999999999999 { keep; }", 1, 15, "number is too large"],
    ["if size :over 10MB { keep; }", 1, 15, '"10MB" is not a number (sizes are written like 100K, 10M or 1G)'],
    ['require "vacation";\nvacation text:\nnever ended\n', 2, 10, 'text: is not closed: a line holding only "." is missing'],
    ['require "vacation"; vacation :days "7" "x";', 1, 36, ":days must be followed by a number"],
    ["keep; @", 1, 7, 'unexpected character "@"'],
    ["if not not true { keep; } else if true { keep; }", 1, 32, '"else if" is written "elsif" in Sieve'],
    ["if true { keep; } else;", 1, 19, '"else" needs a block in braces'],
  ])("%j → %i:%i", (script, line, column, message) => {
    expect(errorOf(script)).toEqual({ line, column, message });
  });

  it("counts columns in characters, not UTF-16 units", () => {
    // "😀" is two UTF-16 units but one character: "bogus" starts at column 30.
    expect(errorOf('if anyof(header :is "x" "😀", bogus) { keep; }')).toMatchObject({ line: 1, column: 30, message: 'unknown test "bogus"' });
  });

  it("counts lines of a CRLF script", () => {
    expect(errorOf("keep;\r\n\r\n  nope;\r\n")).toEqual({ line: 3, column: 3, message: 'unknown command "nope"' });
  });

  it("refuses nesting deeper than 32 levels where it goes too deep", () => {
    const script = "if " + "not ".repeat(40) + "true { keep; }";
    expect(errorOf(script)).toEqual({ line: 1, column: 4 + 32 * 4, message: "blocks and tests are nested more than 32 deep" });
  });

  it("throws a SieveSyntaxError carrying line and column", () => {
    try {
      parseSieve("keep;\n\tfileinto \"x\";");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SieveSyntaxError);
      expect(error).toMatchObject({ line: 2, column: 2, message: '"fileinto" needs require "fileinto"' });
    }
  });

  it("accepts the scripts an editor checks when they are good", () => {
    expect(() => parseSieve(fastmailStyle)).not.toThrow();
    expect(() => parseSieve(roundcubeStyle)).not.toThrow();
  });
});

describe("the mailbox extension (RFC 5490)", () => {
  it("takes fileinto :create, as Dovecot and Roundcube scripts write it, and only when required", () => {
    expect(parseSieve('require ["fileinto", "mailbox"];\nfileinto :create "Lists/new";').commands).toEqual([{ type: "fileinto", folder: "Lists/new", copy: false, flags: null }]);
    expect(errorOf('require "fileinto";\nfileinto :create "X";')).toMatchObject({ line: 2, column: 10 });
  });
});

