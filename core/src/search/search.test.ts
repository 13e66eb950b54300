// Search on a real libSQL shard file: mail filed through fileMessages (the pipeline's path), changed
// through the mailbox's own operations, and searched with query trees built directly (the parser is
// tested on its own).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchPage, SearchSort } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { limits } from "../../../shared/limits.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { fileMessages, type Filing } from "../store/filing.ts";
import { createMailbox, deleteMailbox, deleteMessage, listMessages, updateMessage } from "../store/mailbox.ts";
import { Shards } from "../store/shards.ts";
import type { SearchNode } from "./query-ast.ts";
import { highlight } from "./highlight.ts";
import { searchMessages } from "./search.ts";
import { reindexUser } from "./reindex.ts";
import { and, field, not, or, phrase, word } from "../../../test/support/search-nodes.ts";
import { shardBackend, testDatabases } from "../../../test/support/shard-backend.ts";
import { until } from "../../../test/support/until.ts";

const databases = testDatabases("search-");
let shards: Shards;
const alice = uuidv7();
const mallory = uuidv7();
const shard = () => shards.get("s0");


async function search(node: SearchNode, options: { user?: string; limit?: number; cursor?: string; sort?: SearchSort; q?: string } = {}): Promise<SearchPage> {
  return searchMessages(shard(), options.user ?? alice, node, { q: options.q ?? JSON.stringify(node), limit: options.limit ?? 50, cursor: options.cursor, sort: options.sort ?? "date" });
}
const subjects = async (node: SearchNode, user = alice) => (await search(node, { user })).messages.map((m) => m.subject);

async function file(user: string, subject: string, overrides: Partial<Filing> = {}): Promise<string> {
  const f = testFiling(user, subject, overrides);
  expect((await fileMessages(shard(), [f])).filed).toHaveLength(1);
  return f.messageId;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
  await createMailbox(shard(), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
  await createMailbox(shard(), { userId: mallory, address: "mallory@example.test", quotaBytes: 10 ** 9 });
  ids.korean = await file(alice, "주간 보고", { text: "이번 주 프로젝트일정을 공유합니다. 내일 회의를 합시다." });
  ids.japanese = await file(alice, "会議のお知らせ", { text: "東京都の会議室で打ち合わせをします。" });
  ids.chinese = await file(alice, "通知", { text: "我们明天开会讨论预算。" });
  ids.cafe = await file(alice, "Café crème at noon", { text: "Meet me at the café <b>near</b> the station & bring the map." });
  ids.fox = await file(alice, "Proverbs", { text: "The quick brown fox jumps over the lazy dog." });
  ids.html = await file(alice, "Newsletter", { text: null, html: "<html><style>p{color:red}</style><p>Hello <b>wor</b>ld of widgets</p></html>" });
  ids.report = await file(alice, "Quarterly numbers", {
    from: { name: "Carol Danvers", address: "carol@finance.test" },
    to: [{ name: "Alice", address: "alice@example.test" }],
    cc: [{ name: "Dave", address: "dave@audit.test" }],
    text: "See the attached report.",
    size: 5_000_000,
    attachments: [
      { attachmentId: "1", filename: "q3-report.pdf", contentType: "application/pdf", disposition: "attachment", contentId: null, size: 4_000_000, blobKey: "att/sha256/00", text: "Revenue forecast for the third quarter" },
    ],
  });
  ids.budgetDraft = await file(alice, "Budget draft", { text: "the budget, a draft", folderRole: "drafts", seen: true });
  ids.budgetFinal = await file(alice, "Budget final", { text: "the budget, final", folderRole: "sent", seen: true, flagged: true, keywords: ["Invoices"] });
  ids.thai = await file(alice, "ประชุม", { text: "พรุ่งนี้เรามีการประชุมที่สำนักงาน" });
  // Mallory's mail has every word Alice looks for.
  for (const s of ["Café crème", "프로젝트일정 회의", "budget draft final", "quick brown fox"]) await file(mallory, `mallory ${s}`, { text: s });
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("every language", () => {
  it("finds a Korean word glued to others, and two-syllable words", async () => {
    expect(await subjects(word("일정"))).toEqual(["주간 보고"]);
    expect(await subjects(word("회의"))).toEqual(["주간 보고"]);
    expect(await subjects(word("프로젝트일정"))).toEqual(["주간 보고"]);
    expect(await subjects(phrase("내일 회의"))).toEqual(["주간 보고"]);
    expect(await subjects(phrase("회의 내일"))).toEqual([]);
    expect(await subjects(word("회의실"))).toEqual([]);
  });

  it("finds one-character words and Japanese, Chinese and Thai inside sentences", async () => {
    expect(await subjects(word("会議"))).toEqual(["会議のお知らせ"]);
    expect(await subjects(word("打ち合わせ"))).toEqual(["会議のお知らせ"]);
    expect(await subjects(word("开会"))).toEqual(["通知"]);
    expect(await subjects(word("预算"))).toEqual(["通知"]);
    expect(await subjects(word("주"))).toEqual(["주간 보고"]);
    expect(await subjects(word("ประชุม"))).toEqual(["ประชุม"]);
    expect(await subjects(word("สำนักงาน"))).toEqual(["ประชุม"]);
  });

  it("folds case and accents both ways", async () => {
    expect(await subjects(word("cafe"))).toEqual(["Café crème at noon"]);
    expect(await subjects(word("CAFÉ"))).toEqual(["Café crème at noon"]);
    expect(await subjects(word("creme"))).toEqual(["Café crème at noon"]);
  });

  it("reads HTML bodies as their visible text", async () => {
    expect(await subjects(word("world"))).toEqual(["Newsletter"]);
    expect(await subjects(word("color"))).toEqual([]);
  });
});

describe("operators", () => {
  it("matches exact phrases in order", async () => {
    expect(await subjects(phrase("quick brown fox"))).toEqual(["Proverbs"]);
    expect(await subjects(phrase("brown quick"))).toEqual([]);
  });

  it("looks in one field: from, to, cc, subject, filename; attachments' text anywhere", async () => {
    expect(await subjects(field("from", "carol"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(field("from", "carol@finance.test"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(field("from", "alice"))).toEqual([]);
    expect(await subjects(field("to", "alice"))).toHaveLength(10);
    expect(await subjects(field("cc", "dave"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(field("subject", "quarterly"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(field("subject", "report"))).toEqual([]);
    expect(await subjects(field("filename", "report"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(field("filename", "pdf"))).toEqual(["Quarterly numbers"]);
    expect(await subjects(word("forecast"))).toEqual(["Quarterly numbers"]);
  });

  it("negates words and conditions, alone or beside others, and ORs them", async () => {
    expect(await subjects(and(word("budget"), not(word("draft"))))).toEqual(["Budget final"]);
    expect(await subjects(and(word("budget"), not(field("subject", "final"))))).toEqual(["Budget draft"]);
    expect(await subjects(or(word("fox"), word("widgets")))).toEqual(["Newsletter", "Proverbs"]);
    // Text under an OR with a condition, and a negation with nothing to subtract from.
    expect(await subjects(or(word("fox"), { type: "is", flag: "starred" }))).toEqual(["Budget final", "Proverbs"]);
    const notBudget = await subjects(and(not(word("budget")), { type: "in", folder: "inbox" }));
    expect(notBudget).toHaveLength(8);
    expect(notBudget).not.toContain("Budget draft");
    expect(await subjects(and(word("budget"), not(or(word("draft"), word("final")))))).toEqual([]);
  });

  it("filters by folder, flags, dates, size and attachments", async () => {
    expect(await subjects(and(word("budget"), { type: "in", folder: "sent" }))).toEqual(["Budget final"]);
    expect(await subjects(and(word("budget"), { type: "in", folder: "Drafts" }))).toEqual(["Budget draft"]);
    expect(await subjects(and(word("budget"), { type: "in", folder: "anywhere" }))).toHaveLength(2);
    expect(await subjects(and(word("budget"), { type: "in", folder: "no such folder" }))).toEqual([]);
    expect(await subjects(and(word("budget"), { type: "is", flag: "unread" }))).toEqual([]);
    expect(await subjects(and(word("budget"), { type: "is", flag: "read" }))).toHaveLength(2);
    expect(await subjects({ type: "is", flag: "starred" })).toEqual(["Budget final"]);
    expect(await subjects({ type: "has", what: "attachment" })).toEqual(["Quarterly numbers"]);
    expect(await subjects({ type: "size", op: "larger", bytes: 1_000_000 })).toEqual(["Quarterly numbers"]);
    // A keyword (a filter's label), case-insensitively, alone, beside words, and negated.
    expect(await subjects({ type: "keyword", value: "invoices" })).toEqual(["Budget final"]);
    expect(await subjects(and(word("budget"), not({ type: "keyword", value: "INVOICES" })))).toEqual(["Budget draft"]);
    expect(await subjects({ type: "keyword", value: "nothing-has-this" })).toEqual([]);
    expect(await subjects(and(word("budget"), { type: "size", op: "smaller", bytes: 1_000_000 }))).toHaveLength(2);

    // testFiling files each message a second after the last: dates cut the list exactly.
    const all = (await search({ type: "in", folder: "anywhere" })).messages;
    const fox = all.find((m) => m.subject === "Proverbs")!;
    const at = Date.parse(fox.receivedAt);
    expect(await subjects(and({ type: "date", op: "after", at }, { type: "date", op: "before", at: at + 1 }))).toEqual(["Proverbs"]);
    expect(await subjects(and(word("budget"), { type: "date", op: "before", at }))).toEqual([]);
    expect(await subjects(and(word("fox"), { type: "age", op: "newer", ms: 86_400_000 * 365 }))).toEqual(["Proverbs"]);
    expect(await subjects(and(word("fox"), { type: "age", op: "older", ms: 86_400_000 * 365 }))).toEqual([]);
  });
});

describe("results", () => {
  it("say where each message is and highlight what matched, escaped", async () => {
    const [cafe] = (await search(word("cafe"))).messages;
    expect(cafe).toMatchObject({ id: ids.cafe, subject: "Café crème at noon", folder: { name: "Inbox", role: "inbox" } });
    expect(cafe!.highlight).toBe("Meet me at the <mark>café</mark> &lt;b&gt;near&lt;/b&gt; the station &amp; bring the map.");
    expect((await search(word("회의"))).messages[0]!.highlight).toBe("이번 주 프로젝트일정을 공유합니다. 내일 <mark>회의</mark>를 합시다.");
    expect((await search(phrase("brown fox"))).messages[0]!.highlight).toBe("The quick <mark>brown</mark> <mark>fox</mark> jumps over the lazy dog.");
  });

  it("are the summaries a listing gives (SQLite writes a result's summary, the listing toSummary)", async () => {
    const ivy = uuidv7();
    await createMailbox(shard(), { userId: ivy, address: "ivy@example.test", quotaBytes: 10 ** 9 });
    await file(ivy, "no sender at all", { from: null, to: [], text: "widget one" });
    await file(ivy, 'odd "quoted" \\ subject \u0001 😀 ünïcödé', { from: { name: "", address: "a@b.test" }, text: "widget two", seen: true, flagged: true, keywords: ["Invoices", "$NotJunk"] });
    await file(ivy, "named only", {
      from: { name: "Ivy \"the\" Sender", address: "" },
      to: [{ name: "A", address: "a@x.test" }, { name: "", address: "b@x.test" }],
      text: "widget three",
      seen: true,
      attachments: [{ attachmentId: "1", filename: "w.pdf", contentType: "application/pdf", disposition: "attachment", contentId: null, size: 10, blobKey: "att/sha256/01", text: null }],
    });
    const found = (await search(word("widget"), { user: ivy })).messages;
    const listed = (await listMessages(shard(), ivy, "inbox", { limit: 50 })).messages;
    expect(found).toHaveLength(3);
    expect(found.map(({ folder: _f, highlight: _h, ...summary }) => summary)).toEqual(listed);
    // The same keys in the same order as the listing's, so both read the same on the wire.
    expect(found.map(({ folder: _f, highlight: _h, ...summary }) => JSON.stringify(summary))).toEqual(listed.map((m) => JSON.stringify(m)));
  });

  it("highlight an HTML-only body from the text kept at filing as they did from its HTML, and a reindex keeps it for older mail", async () => {
    const henry = uuidv7();
    await createMailbox(shard(), { userId: henry, address: "henry@example.test", quotaBytes: 10 ** 9 });
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `<p class="x">Line ${i} of the <b>newsletter</b> &amp; its news</p>`).join("\n");
    const bodies = {
      short: "<html><head><title>t</title></head><style>p{}</style><p>Gadget &ndash; the <i>gad</i>get of the year</p><!-- gadget --></html>",
      // Past the 6,000 characters a search used to read first: found in its HTML as a whole.
      late: `<html>${filler(150)}<p>the gadget at last</p>${filler(20)}</html>`,
      early: `<html><p>A gadget up front</p>${filler(300)}</html>`,
      none: `<html><img src="cid:x"></html>`,
    };
    for (const [subject, html] of Object.entries(bodies)) await file(henry, `html ${subject}`, { text: subject === "none" ? " " : null, html });
    const kept = await shard().db.all<{ n: number }>(sql`SELECT count(*) AS n FROM message_bodies WHERE user_id = ${henry} AND html_text IS NOT NULL`);
    expect(kept[0]!.n).toBe(4);
    const highlights = async () => {
      const out: string[] = [];
      for (const q of [word("gadget"), word("newsletter"), phrase("of the year"), { type: "in", folder: "inbox" } as SearchNode]) {
        for (const m of (await search(q, { user: henry })).messages) out.push(`${m.subject}: ${m.highlight}`);
      }
      return out;
    };
    const now = await highlights();
    expect(now).toContain("html short: <mark>Gadget</mark> – the <mark>gadget</mark> of the year");
    expect(now.find((h) => h.startsWith("html late:"))).toMatch(/^html late: …news Line 149 of the newsletter &amp; its news the <mark>gadget<\/mark> at last Line 0/);
    expect(now).toContain("html none: ");
    // Mail filed before the text was kept: made from the HTML per search, the same highlights.
    await shard().writeLock.run(() => shard().db.run(sql`UPDATE message_bodies SET html_text = NULL WHERE user_id = ${henry}`));
    expect(await highlights()).toEqual(now);
    await reindexUser(shard(), henry);
    const again = await shard().db.all<{ n: number }>(sql`SELECT count(*) AS n FROM message_bodies WHERE user_id = ${henry} AND html_text IS NOT NULL`);
    expect(again[0]!.n).toBe(4);
    expect(await highlights()).toEqual(now);
  });

  it("highlight a long text body as a whole, wherever the match is against what is read first", async () => {
    const ivy = uuidv7();
    await createMailbox(shard(), { userId: ivy, address: "ivy@example.test", quotaBytes: 10 ** 9 });
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of plain words`).join("\n");
    const bodies: Record<string, string> = {
      early: `The needle is here. ${filler(800)}`,
      // Past the first 3,000 characters read, inside the 16,000 a snippet looks through.
      late: `${filler(300)} the needle at last ${filler(300)}`,
      // Past those too: the snippet is the body's start.
      beyond: `${filler(900)} needle ${filler(10)}`,
      blankStart: `${" ".repeat(5000)}a needle after blanks`,
      // Only blanks after the snippet's stretch in what is read first: it is cut (…) all the same.
      blankAfter: `a needle ${"\n".repeat(4000)}and more`,
      glued: `${"x".repeat(3500)}needle needle`,
    };
    for (const [subject, text] of Object.entries(bodies)) await file(ivy, `text ${subject}`, { text });
    const page = await search(word("needle"), { user: ivy });
    expect(page.messages).toHaveLength(Object.keys(bodies).length);
    for (const m of page.messages) expect([m.subject, m.highlight]).toEqual([m.subject, highlight(bodies[m.subject.slice(5)]!.slice(0, 16_000), ["needle"])]);
    const late = page.messages.find((m) => m.subject === "text late")!;
    expect(late.highlight).toContain("the <mark>needle</mark> at last");
    expect(page.messages.find((m) => m.subject === "text blankAfter")!.highlight).toBe("a <mark>needle</mark>…");
  });

  it("never include another user's mail", async () => {
    for (const q of [word("cafe"), word("회의"), word("budget"), phrase("quick brown fox"), { type: "in", folder: "inbox" } as SearchNode]) {
      const found = (await search(q)).messages;
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((m) => !m.subject.startsWith("mallory"))).toBe(true);
    }
    expect(await subjects(word("budget"), mallory)).toEqual(["mallory budget draft final"]);
  });

  it("find moved messages in their new folder and deleted ones no more", async () => {
    const archive = await updateMessage(shard(), alice, ids.fox!, { folderId: "archive" });
    expect(archive.value.folderId).not.toBe("");
    expect((await search(word("fox"))).messages[0]!.folder.role).toBe("archive");
    expect(await subjects(and(word("fox"), { type: "in", folder: "inbox" }))).toEqual([]);
    expect(await subjects(and(word("fox"), { type: "in", folder: "archive" }))).toEqual(["Proverbs"]);
    await deleteMessage(shard(), alice, ids.fox!);
    expect((await search(word("fox"))).messages[0]!.folder.role).toBe("trash");
    await deleteMessage(shard(), alice, ids.fox!);
    expect(await subjects(word("fox"))).toEqual([]);
    expect(await subjects(word("fox"), mallory)).toEqual(["mallory quick brown fox"]);
  });
});

describe("paging", () => {
  const bob = uuidv7();
  beforeAll(async () => {
    await createMailbox(shard(), { userId: bob, address: "bob@example.test", quotaBytes: 10 ** 9 });
    // 45 messages with "weekly", some in the same second (a burst); one filed late, older than the rest.
    const second = Date.now() - 50_000;
    const burst = Array.from({ length: 40 }, (_, i) => testFiling(bob, `weekly ${i}`, { receivedAt: second + i * 100, messageId: uuidv7(second + i * 100), text: i % 3 === 0 ? "weekly weekly weekly" : "the weekly one" }));
    await fileMessages(shard(), burst.slice(0, 20));
    await fileMessages(shard(), burst.slice(20));
    await fileMessages(shard(), Array.from({ length: 4 }, (_, i) => testFiling(bob, `weekly late ${i}`, { receivedAt: second + 10_000 + i, messageId: uuidv7(second + 10_000 + i) })));
    await fileMessages(shard(), [testFiling(bob, "weekly oldest", { receivedAt: second - 3_600_000, messageId: uuidv7(second - 3_600_000) })]);
  });

  async function all(node: SearchNode, sort: SearchSort, limit: number): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(node, { user: bob, limit, cursor, sort, q: "weekly" });
      expect(page.messages.length).toBeLessThanOrEqual(limit);
      out.push(...page.messages.map((m) => m.subject));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  it("pages newest first without duplicates, bursts and late arrivals in receive order", async () => {
    const subjects = await all(word("weekly"), "date", 7);
    expect(subjects).toEqual([...Array.from({ length: 4 }, (_, i) => `weekly late ${3 - i}`), ...Array.from({ length: 40 }, (_, i) => `weekly ${39 - i}`), "weekly oldest"]);
    expect(await all({ type: "in", folder: "inbox" }, "date", 10)).toEqual(subjects);
    expect(await all({ type: "size", op: "smaller", bytes: 10 ** 9 }, "date", 10)).toEqual(subjects);
  });

  it("pages by relevance without duplicates, best first", async () => {
    const subjects = await all(word("weekly"), "relevance", 6);
    expect(new Set(subjects).size).toBe(45);
    // "weekly" three times in the body ranks above once.
    expect(subjects.slice(0, 14).every((s) => Number(s.split(" ")[1]) % 3 === 0)).toBe(true);
  });

  it("ranks by relevance among the newest searchRelevanceWindow matches only, and by date finds them all", async () => {
    const rita = uuidv7();
    await createMailbox(shard(), { userId: rita, address: "rita@example.test", quotaBytes: 10 ** 9 });
    const window = limits.searchRelevanceWindow;
    // The oldest two match best (the word in the subject and three times in the body), one of them
    // just outside the window, the other its oldest match; every newer one has the word once.
    const best = { text: "ranked ranked ranked" };
    const mail = [testFiling(rita, "ranked outside", best), testFiling(rita, "ranked inside", best), ...Array.from({ length: window - 1 }, (_, i) => testFiling(rita, `plain ${i}`, { text: `a ranked note, number ${i}` }))];
    for (let i = 0; i < mail.length; i += 500) await fileMessages(shard(), mail.slice(i, i + 500));
    const relevance = await search(word("ranked"), { user: rita, sort: "relevance", limit: 5, q: "ranked" });
    expect(relevance.messages[0]!.subject).toBe("ranked inside");
    expect(relevance.messages.map((m) => m.subject)).not.toContain("ranked outside");
    let byDate = 0;
    let cursor: string | undefined;
    do {
      const page = await search(word("ranked"), { user: rita, limit: 200, cursor, q: "ranked" });
      byDate += page.messages.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(byDate).toBe(window + 1);
  });

  it("refuses a cursor from another query", async () => {
    const page = await search(word("weekly"), { user: bob, limit: 5, q: "weekly" });
    const err = await search(word("weekly"), { user: bob, limit: 5, q: "weekly!", cursor: page.nextCursor! }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).problem.errors).toEqual([{ field: "query.cursor", message: "belongs to another query or sort order" }]);
    expect(await search(word("weekly"), { user: bob, cursor: "bm9uc2Vuc2U" }).catch((e: unknown) => (e as ProblemError).status)).toBe(400);
  });

  it("forgets a removed mailbox's index", async () => {
    await deleteMailbox(shard(), bob);
    expect((await search(word("weekly"), { user: bob })).messages).toEqual([]);
    const [left] = await shard().db.all<{ n: number }>("SELECT count(*) AS n FROM search_index WHERE search_index MATCH 'weekly'" as never);
    expect(left!.n).toBe(0);
  });
});

describe.runIf(shardBackend === "sqld")("on sqld", () => {
  it("searches the replica, and the primary while the replica is down", async () => {
    // Filed on the primary; the replica has it a moment later.
    await file(alice, "replicated needle", { text: "needle in the replica" });
    // Right after a write of this thread the primary answers; then the replica, once it has caught up.
    expect(await subjects(word("needle"))).toContain("replicated needle");
    shard().writeLock.lastWriteAt = 0;
    await until(async () => (await subjects(word("needle"))).includes("replicated needle"), "the replica to index it");
    const { replica } = databases.servers("s0");
    replica.kill("SIGKILL");
    await replica.exited;
    expect(await subjects(word("needle"))).toContain("replicated needle");
  });
});
