import { describe, expect, it } from "vitest";
import { SearchSyntaxError, type SearchNode, type TextField } from "./query-ast.ts";
import { describeSearchError, parseSearchQuery, searchQueryLimits } from "./query-parser.ts";
import { and, not, or } from "../../../test/support/search-nodes.ts";

// 2024-03-31 12:00 UTC: the end of a month after a leap February, so calendar spans show their edges.
const NOW = Date.UTC(2024, 2, 31, 12);
const DAY = 86_400_000;

const t = (value: string): SearchNode => ({ type: "text", value, phrase: false });
const p = (value: string): SearchNode => ({ type: "text", value, phrase: true });
const f = (field: TextField, value: string, phrase = false): SearchNode => ({ type: "field", field, value, phrase });
const inFolder = (folder: string): SearchNode => ({ type: "in", folder });
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

const parse = (q: string) => parseSearchQuery(q, NOW);

function refusal(q: string): SearchSyntaxError {
  try {
    parse(q);
  } catch (err) {
    if (err instanceof SearchSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be refused`);
}

describe("parseSearchQuery: terms and how they combine", () => {
  it.each<[string, SearchNode]>([
    ["meeting", t("meeting")],
    ["quarterly report", and(t("quarterly"), t("report"))],
    ['"quarterly report"', p("quarterly report")],
    ['"  two  spaces, (parens) OR -dash "', p("  two  spaces, (parens) OR -dash ")],
    ["budget AND review", and(t("budget"), t("review"))],
    // Gmail: OR binds tighter than the implicit AND.
    ["a b OR c", and(t("a"), or(t("b"), t("c")))],
    ["a OR b c", and(or(t("a"), t("b")), t("c"))],
    ["a OR b OR c", or(t("a"), t("b"), t("c"))],
    ["a AND b OR c", and(t("a"), or(t("b"), t("c")))],
    ["a | b", or(t("a"), t("b"))],
    ["a|b|c", or(t("a"), t("b"), t("c"))],
    ["{a b c}", or(t("a"), t("b"), t("c"))],
    ["{a b OR c} d", and(or(t("a"), t("b"), t("c")), t("d"))],
    ["(a OR b) c", and(or(t("a"), t("b")), t("c"))],
    ["(a OR b) OR c", or(t("a"), t("b"), t("c"))],
    ["(a b) c", and(t("a"), t("b"), t("c"))],
    ["((a))", t("a")],
    ["a(b)", and(t("a"), t("b"))],
    ['x OR"y"', or(t("x"), p("y"))],
    ["dinner -movie", and(t("dinner"), not(t("movie")))],
    ['-"out of office"', not(p("out of office"))],
    ["-(a b)", not(and(t("a"), t("b")))],
    ["-{a b}", not(or(t("a"), t("b")))],
    ["a OR -b", or(t("a"), not(t("b")))],
    ["--a", t("a")],
    ["---a", not(t("a"))],
    ["+unicorn", p("unicorn")],
    ['+"a b"', p("a b")],
    // Only capital OR/AND standing alone are keywords (Gmail); the rest are words.
    ["cats or dogs", and(t("cats"), t("or"), t("dogs"))],
    ["ORANGE ANDROID", and(t("ORANGE"), t("ANDROID"))],
    ["a -OR", and(t("a"), not(t("OR")))],
    ['"OR"', p("OR")],
    ["e-mail c++ 3.14 50%", and(t("e-mail"), t("c++"), t("3.14"), t("50%"))],
    ["a\tb\nc\r\n", and(t("a"), t("b"), t("c"))],
  ])("%j", (q, expected) => {
    expect(parse(q)).toEqual(expected);
  });
});

describe("parseSearchQuery: every script is text", () => {
  it.each<[string, SearchNode]>([
    ["회의", t("회의")],
    ["프로젝트일정 일정", and(t("프로젝트일정"), t("일정"))],
    ['"다음 주 회의"', p("다음 주 회의")],
    ["会議 資料", and(t("会議"), t("資料"))],
    // U+3000, the ideographic space a Japanese or Chinese keyboard types, separates words.
    ["会議\u3000資料", and(t("会議"), t("資料"))],
    ["项目进度", t("项目进度")],
    ["“项目 进度”", p("项目 进度")],
    ["café résumé Ærø", and(t("café"), t("résumé"), t("Ærø"))],
    // A decomposed é (e + U+0301) stays decomposed: the index folds, the parser keeps characters.
    ["cafe\u0301", t("cafe\u0301")],
    ["subject:회의 from:\"김철수\"", and(f("subject", "회의"), f("from", "김철수", true))],
    ["Привет мир", and(t("Привет"), t("мир"))],
    ["🎉 party", and(t("🎉"), t("party"))],
  ])("%j", (q, expected) => {
    expect(parse(q)).toEqual(expected);
  });
});

describe("parseSearchQuery: operators", () => {
  it.each<[string, SearchNode]>([
    ["from:amy OR from:david", or(f("from", "amy"), f("from", "david"))],
    ["{from:amy from:david}", or(f("from", "amy"), f("from", "david"))],
    ['from:"Bob Smith"', f("from", "Bob Smith", true)],
    ["from:bob@example.com", f("from", "bob@example.com")],
    ["FROM:bob", f("from", "bob")],
    ["to:me", f("to", "me")],
    ["cc:team@example.org", f("cc", "team@example.org")],
    ["-from:noreply@example.com", not(f("from", "noreply@example.com"))],
    ["subject:re:hello", f("subject", "re:hello")],
    ["subject:(dinner movie)", and(f("subject", "dinner"), f("subject", "movie"))],
    ["subject:(dinner OR movie)", or(f("subject", "dinner"), f("subject", "movie"))],
    ['subject:(-dinner "a movie")', and(not(f("subject", "dinner")), f("subject", "a movie", true))],
    ["subject:(+exact (a OR b))", and(f("subject", "exact", true), or(f("subject", "a"), f("subject", "b")))],
    ["to:{alice bob}", or(f("to", "alice"), f("to", "bob"))],
    ["filename:pdf", f("filename", "pdf")],
    ['filename:"report 2024.pdf"', f("filename", "report 2024.pdf", true)],
    ["has:attachment", { type: "has", what: "attachment" }],
    ["HAS:Attachment", { type: "has", what: "attachment" }],
    ["in:inbox", inFolder("inbox")],
    ["in:Inbox", inFolder("inbox")],
    ["in:spam", inFolder("junk")],
    ["in:Junk", inFolder("junk")],
    ["in:draft", inFolder("drafts")],
    ["in:bin", inFolder("trash")],
    ["in:sent", inFolder("sent")],
    ["in:archive", inFolder("archive")],
    ["in:anywhere", inFolder("anywhere")],
    ["in:Projects/2024", inFolder("Projects/2024")],
    ['in:"Client Work"', inFolder("Client Work")],
    ["label:Receipts", inFolder("Receipts")],
    ["in:constructor", inFolder("constructor")],
    ["in:(inbox OR sent)", or(inFolder("inbox"), inFolder("sent"))],
    ["is:unread", { type: "is", flag: "unread" }],
    ["keyword:Invoices", { type: "keyword", value: "Invoices" }],
    ["keyword:$Junk", { type: "keyword", value: "$Junk" }],
    ["is:READ", { type: "is", flag: "read" }],
    ["-is:starred", not({ type: "is", flag: "starred" })],
    ["is:(unread starred)", and({ type: "is", flag: "unread" }, { type: "is", flag: "starred" })],
    ["before:2024/01/15", { type: "date", op: "before", at: day(2024, 1, 15) }],
    ["after:2024-01-15", { type: "date", op: "after", at: day(2024, 1, 15) }],
    ["after:04/16/2004", { type: "date", op: "after", at: day(2004, 4, 16) }],
    ["before:2024/1/5", { type: "date", op: "before", at: day(2024, 1, 5) }],
    ["before:2024/02/29", { type: "date", op: "before", at: day(2024, 2, 29) }],
    ['after:"2024-01-15"', { type: "date", op: "after", at: day(2024, 1, 15) }],
    ["older:2024/01/01", { type: "date", op: "before", at: day(2024, 1, 1) }],
    ["newer:2024/01/01", { type: "date", op: "after", at: day(2024, 1, 1) }],
    ["older_than:7d", { type: "age", op: "older", ms: 7 * DAY }],
    ["newer_than:1D", { type: "age", op: "newer", ms: DAY }],
    // Calendar months back from 31 March 2024: to 29 February (31 days), to 31 January (60 days).
    ["newer_than:1m", { type: "age", op: "newer", ms: 31 * DAY }],
    ["newer_than:2m", { type: "age", op: "newer", ms: 60 * DAY }],
    // 31 March 2023 to 31 March 2024 holds 29 February.
    ["older_than:1y", { type: "age", op: "older", ms: 366 * DAY }],
    ["larger:10M", { type: "size", op: "larger", bytes: 10 * 1024 ** 2 }],
    ["larger:10mb", { type: "size", op: "larger", bytes: 10 * 1024 ** 2 }],
    ["smaller:500K", { type: "size", op: "smaller", bytes: 500 * 1024 }],
    ["larger:1.5M", { type: "size", op: "larger", bytes: 1.5 * 1024 ** 2 }],
    ["larger:2G", { type: "size", op: "larger", bytes: 2 * 1024 ** 3 }],
    ["larger:1000", { type: "size", op: "larger", bytes: 1000 }],
    ["size:1000000", { type: "size", op: "larger", bytes: 1_000_000 }],
    // Not operators: Gmail searches them as text.
    ["re:meeting", t("re:meeting")],
    ["10:30", t("10:30")],
    ["https://example.com/a?b=c", t("https://example.com/a?b=c")],
    ["note:", t("note:")],
    [":from", t(":from")],
  ])("%j", (q, expected) => {
    expect(parse(q)).toEqual(expected);
  });

  it("parses the queries people type, all at once", () => {
    expect(parse('from:"Bob Smith" subject:(budget review) has:attachment -in:trash after:2024/01/01 larger:2M')).toEqual(
      and(
        f("from", "Bob Smith", true),
        f("subject", "budget"),
        f("subject", "review"),
        { type: "has", what: "attachment" },
        not(inFolder("trash")),
        { type: "date", op: "after", at: day(2024, 1, 1) },
        { type: "size", op: "larger", bytes: 2 * 1024 ** 2 },
      ),
    );
    expect(parse("is:unread (from:boss OR from:ceo) -subject:newsletter 회의록 newer_than:7d")).toEqual(
      and(
        { type: "is", flag: "unread" },
        or(f("from", "boss"), f("from", "ceo")),
        not(f("subject", "newsletter")),
        t("회의록"),
        { type: "age", op: "newer", ms: 7 * DAY },
      ),
    );
  });

  it("counts older_than:/newer_than: from the time of the search, by default now", () => {
    expect(parseSearchQuery("newer_than:1m", Date.UTC(2023, 2, 31))).toEqual({ type: "age", op: "newer", ms: 31 * DAY });
    expect(parseSearchQuery("newer_than:1m", Date.UTC(2024, 0, 31))).toEqual({ type: "age", op: "newer", ms: 31 * DAY });
    expect(parseSearchQuery("older_than:1y", Date.UTC(2024, 1, 29))).toEqual({ type: "age", op: "older", ms: 366 * DAY });
    const span = parseSearchQuery("newer_than:1y");
    expect(span.type === "age" && (span.ms === 365 * DAY || span.ms === 366 * DAY)).toBe(true);
  });
});

describe("parseSearchQuery: refusals name the position", () => {
  const nested = (n: number) => "(".repeat(n) + "a" + ")".repeat(n);
  it.each<[string, number, RegExp]>([
    ["", 0, /give a query/],
    ["   ", 0, /give a query/],
    ["\t\n\u3000", 0, /give a query/],
    ['""', 0, /empty quotes/],
    ['a " "', 2, /empty quotes/],
    ['"abc', 0, /" is not closed/],
    ['a "b c', 2, /" is not closed/],
    ["“abc", 0, /“ is not closed: a ” is missing/],
    ["(a b", 0, /\( is not closed: a \) is missing/],
    ["a (b (c)", 2, /\( is not closed/],
    ["{a b", 0, /\{ is not closed: a \} is missing/],
    ["a b)", 3, /\) has no \( to close/],
    ["a}", 1, /\} has no \{ to close/],
    ["(a}", 2, /\} does not close the \( at 0/],
    ["{a)", 2, /\) does not close the \{ at 0/],
    ["()", 0, /empty group/],
    ["a ( ) b", 2, /empty group/],
    ["{}", 0, /empty group/],
    ["from:()", 5, /empty group/],
    ["OR a", 0, /OR needs a term on both sides/],
    ["a OR", 2, /OR needs a term/],
    ["a OR OR b", 2, /OR needs a term/],
    ["(OR a)", 1, /OR needs a term/],
    ["(a OR) b", 3, /OR needs a term/],
    ["a |", 2, /\| needs a term/],
    ["| a", 0, /\| needs a term/],
    ["AND a", 0, /AND needs a term/],
    ["a AND", 2, /AND needs a term/],
    ["a AND OR b", 2, /AND needs a term/],
    ["a AND AND b", 2, /AND needs a term/],
    ["{a AND b}", 3, /AND cannot stand inside \{ \}/],
    ["-", 0, /- needs a term/],
    ["a - b", 2, /- needs a term/],
    ["a --", 3, /- needs a term/],
    ["(-)", 1, /- needs a term/],
    ["-|a", 0, /- needs a term/],
    ["+", 0, /\+ needs a word/],
    ["a + b", 2, /\+ needs a word/],
    ["from:", 5, /from: needs a value right after the colon/],
    ["from: bob", 5, /from: needs a value/],
    ["(to:)", 4, /to: needs a value/],
    ["is:", 3, /is: needs a value/],
    ['from:""', 5, /empty quotes/],
    ["before:2024", 7, /before:2024 is not a date: use YYYY\/MM\/DD, YYYY-MM-DD or MM\/DD\/YYYY/],
    ["before:yesterday", 7, /not a date/],
    ["before:2024/01-05", 7, /not a date/],
    ["before:2024/13/01", 12, /no month 13/],
    ["before:2024/00/10", 12, /no month 00/],
    ["before:2023/02/29", 15, /no day 29: that month has 28 days/],
    ["after:2024/4/31", 13, /no day 31: that month has 30 days/],
    ["after:13/01/2024", 6, /no month 13/],
    ["after:02/30/2024", 9, /no day 30/],
    ['after:"2024/02/30"', 15, /no day 30/],
    ["older_than:7w", 11, /older_than:7w is not a span: use a whole number and d, m or y/],
    ["newer_than:0d", 11, /not a span/],
    ["newer_than:d", 11, /not a span/],
    ["newer_than:1.5d", 11, /not a span/],
    ["older_than:123456d", 11, /not a span/],
    ["larger:10Q", 7, /larger:10Q is not a size/],
    ["larger:big", 7, /not a size/],
    ["smaller:-5", 8, /not a size/],
    ["larger:0", 7, /not a size/],
    ["is:important", 3, /is:important is not supported: is: takes unread, read or starred/],
    ["a is:snoozed", 5, /is:snoozed is not supported/],
    ["has:drive", 4, /has:drive is not supported: has: takes attachment/],
    ["keyword:$seen", 8, /keyword:\$seen is not a keyword: \$seen is the read field/],
    ["-has:youtube", 5, /has:youtube is not supported/],
    ["bcc:bob", 0, /bcc: is not supported/],
    ["a category:social", 2, /category: is not supported/],
    ["subject:(from:amy)", 9, /from: cannot stand inside subject:\( \)/],
    ["x".repeat(1001), 1000, /longer than 1000 characters/],
    [nested(21), 20, /nested more than 20 deep/],
    ["a " + nested(25), 22, /nested more than 20 deep/],
    // The operator's own group is the first of the 21.
    ["subject:" + nested(21), 28, /nested more than 20 deep/],
  ])("%j at %i", (q, position, message) => {
    const err = refusal(q);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it("accepts the limits themselves", () => {
    expect(parse("x".repeat(searchQueryLimits.maxChars))).toEqual(t("x".repeat(1000)));
    expect(parse(nested(20))).toEqual(t("a"));
    expect(parse("subject:" + nested(20))).toEqual(f("subject", "a"));
  });
});

describe("describeSearchError", () => {
  const described = (q: string) => describeSearchError(q, refusal(q));

  it("puts a caret under the character at fault", () => {
    expect(described("is:read from:")).toBe(
      ["position 13: from: needs a value right after the colon", "  is:read from:", "               ^"].join("\n"),
    );
    expect(described("before:2024/13/01")).toBe(
      ["position 12: before:2024/13/01 has no month 13: months run from 1 to 12", "  before:2024/13/01", "              ^"].join(
        "\n",
      ),
    );
  });

  it("counts Korean and Chinese characters as two columns, tabs as one", () => {
    const lines = described("회의\t项目 (a").split("\n");
    expect(lines[1]).toBe("  회의 项目 (a");
    // 회의 (4) + tab (1) + 项目 (4) + space (1) = 10 columns before the (.
    expect(lines[2]).toBe("  " + " ".repeat(10) + "^");
  });

  it("shows a window of a long query around the caret", () => {
    const q = "word ".repeat(90) + "is:nope " + "word ".repeat(90);
    const [, shown, caret] = described(q).split("\n") as [string, string, string];
    expect(shown.length).toBeLessThanOrEqual(2 + 72 + 2);
    expect(shown.startsWith("  …") && shown.endsWith("…")).toBe(true);
    expect(shown.slice(caret.length - 1).startsWith("nope")).toBe(true);
  });
});

// What the index may rely on: the tree is always of this form.
function expectWellFormed(node: SearchNode): void {
  switch (node.type) {
    case "and":
    case "or":
      expect(node.children.length).toBeGreaterThanOrEqual(2);
      for (const child of node.children) {
        expect(child.type).not.toBe(node.type);
        expectWellFormed(child);
      }
      return;
    case "not":
      return expectWellFormed(node.child);
    case "text":
    case "field":
      expect(node.value).toMatch(/[^\s\p{Cc}]/u);
      if (!node.phrase) expect(node.value).not.toMatch(/[\s\p{Cc}(){}|"“]/u);
      return;
    case "in":
      expect(node.folder).not.toBe("");
      return;
    case "date":
      expect(Number.isFinite(node.at)).toBe(true);
      return;
    case "age":
      expect(node.ms).toBeGreaterThan(0);
      return;
    case "size":
      expect(node.bytes).toBeGreaterThan(0);
      return;
    default:
      return;
  }
}

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe("parseSearchQuery on arbitrary input", () => {
  const characters = [..."ab :-+()\"{}|“”\t\n\u0000\u3000회의é", "\ud800", "🎉", "OR", "AND"];
  // Words weigh more than brackets, so that a good share of the queries parse.
  const tokens = [
    "a", "b", "회의", "café", "a", "b", "from:x", "-a", '"x y"', '"', "OR", "AND", "|", "(", ")", "{", "}", "-", "+",
    "from:", "subject:", "is:unread",
    "is:", "in:", "has:attachment", "before:2024/01/01", "before:", "older_than:7d", "larger:10M", "bcc:", "re:x", "“z”",
  ];

  function expectParsesOrRefuses(q: string): void {
    let node: SearchNode;
    try {
      node = parse(q);
    } catch (err) {
      expect(err).toBeInstanceOf(SearchSyntaxError);
      const { position } = err as SearchSyntaxError;
      expect(Number.isInteger(position) && position >= 0 && position <= q.length).toBe(true);
      expect(describeSearchError(q, err as SearchSyntaxError).split("\n")).toHaveLength(3);
      return;
    }
    expectWellFormed(node);
  }

  it("either parses into a well-formed tree or throws SearchSyntaxError at a position inside the query", () => {
    const next = random(6);
    let parsed = 0;
    for (let run = 0; run < 4000; run++) {
      let q = "";
      if (run % 2 === 0) {
        // Now and then one past the length limit.
        const length = Math.floor(next() * (run % 100 === 0 ? 1200 : 40));
        for (let k = 0; k < length; k++) q += characters[Math.floor(next() * characters.length)];
      } else {
        const length = Math.floor(next() * 10);
        for (let k = 0; k < length; k++) q += tokens[Math.floor(next() * tokens.length)] + (next() < 0.7 ? " " : "");
      }
      expectParsesOrRefuses(q);
      try {
        parse(q);
        parsed++;
      } catch {
        // counted above
      }
    }
    // The generator must reach both outcomes, or the test proves little.
    expect(parsed).toBeGreaterThan(300);
    expect(parsed).toBeLessThan(3800);
  });

  it("takes linear time: hostile 1000-character queries parse or fail in well under a millisecond each", () => {
    const fill = (unit: string) => unit.repeat(Math.ceil(1000 / unit.length)).slice(0, 1000);
    const hostile = [
      fill("("),
      fill(")"),
      fill('"'),
      fill("“"),
      fill("-"),
      fill("x"),
      fill("a "),
      fill("a OR "),
      fill("a AND "),
      fill("| "),
      fill("-a "),
      fill("(a) "),
      fill("{a b} "),
      fill('"a" '),
      fill("from:a "),
      fill("from:"),
      fill("a:b:c:"),
      "subject:(" + "a ".repeat(495) + ")",
      fill("before:2024/01/01 "),
      "(".repeat(20) + fill("a OR b ").slice(0, 940) + ")".repeat(20),
      '"' + "a".repeat(999),
    ].map((q) => q.slice(0, 1000));
    for (const q of hostile) expectParsesOrRefuses(q);
    const rounds = 50;
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (const q of hostile) {
        try {
          parse(q);
        } catch {
          // refusals are timed too
        }
      }
    }
    const perQuery = (performance.now() - started) / (rounds * hostile.length);
    expect(perQuery).toBeLessThan(1);
  });
});
