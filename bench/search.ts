// npm run bench:search [-- --messages 100000 --others 3 --other-messages 20000 --verbose] [-- --edge]
//
// Full-text search at 100,000 messages. One user's mailbox of `messages` (the SpamAssassin corpus,
// parsed as the pipeline parses it, each message used ~16 times under other dates and flags, with
// generated Korean mail as every 7th message and a PDF-like attachment on every 40th) among `others`
// users with `other-messages` each in the same shard, all filed through fileMessages (the pipeline's
// path: messages, threads, events and the index in one transaction per batch of 500), oldest first
// over three years. Then a mix of queries through searchMessages (the API's path: compile, plan,
// rows, highlighted snippets; pages of 50), p50/p95 per kind, and what the index costs: size per
// message (dbstat) against the mail's own size, and filing time per message with and without it.
// With --edge, the same mailbox is filed into the shard of a user of the whole system as `npm start`
// runs it (test/support/system.ts: started once to make the user, stopped, the shard filed, started
// again on the same data), and the same queries go through the edge: GET /api/v1/search with the
// user's session, p50/p95 per kind of the whole round trip (edge, its Durable Object's credential
// check, the core's search), paced under the edge's per-user request limit (PACE_MS). The comparison
// of filing with and without the index is left out there.
// Beside the times, the CPU each query costs (less moved by other load on a shared machine than the
// times are): in-process, this process's CPU per query (p50); through the edge, the CPU the system's
// processes used over each kind's queries per request made, the core's node (with Miniflare's) and
// the edge's workerd apart.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import type { FolderRole, LoginResponse, SearchPage } from "../shared/api.ts";
import { limits } from "../shared/limits.ts";
import { rateLimits } from "../edge/src/rate-limits.ts";
import { uuidv7 } from "../shared/ids.ts";
import { parseMail } from "../core/src/mail-format/parse.ts";
import { filingOf } from "../core/src/mailbox/filing-of.ts";
import { searchDocument, SEARCH_COLUMNS } from "../core/src/store/search-index/document.ts";
import { loadConfig } from "../core/src/config.ts";
import { parseSearchQuery } from "../core/src/search/query-parser.ts";
import { searchMessages } from "../core/src/search/search.ts";
import { Directory } from "../core/src/store/directory.ts";
import { fileMessages, type Filing } from "../core/src/store/filing.ts";
import { createMailbox } from "../core/src/store/mailbox.ts";
import { Shards, type ShardDatabase } from "../core/src/store/shards.ts";
import { corpusFiles, readCorpusMessage } from "../test/support/corpus.ts";
import { startSystem, type System } from "../test/support/system.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "100000" },
    others: { type: "string", default: "3" },
    "other-messages": { type: "string", default: "20000" },
    /** Also the median of each query. */
    verbose: { type: "boolean", default: false },
    /** Through the edge of the whole system, as `npm start` runs it. */
    edge: { type: "boolean", default: false },
  },
});
const EDGE = args.edge;
const MESSAGES = Number(args.messages);
const OTHERS = Number(args.others);
const OTHER_MESSAGES = Number(args["other-messages"]);
const BATCH = 500;
const PAGE = 50;
const NOW = Date.now();
const SPAN = 3 * 365 * 86_400_000;

// A small deterministic PRNG (mulberry32): the same mailbox every run.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

// ── the mail ────────────────────────────────────────────────────────────────

type Template = Omit<Filing, "userId" | "messageId" | "receivedAt" | "seen" | "folderRole" | "raw" | "flagged">;

const started = performance.now();
const templates: Template[] = [];
let rawBytes = 0;
for (const file of corpusFiles()) {
  const raw = readCorpusMessage(file).raw;
  const mail = await parseMail(raw);
  rawBytes += raw.length;
  // What the pipeline would file for it (filingOf), without the per-recipient parts.
  const { userId: _u, shard: _s, messageId: _m, folderRole: _f, seen: _seen, receivedAt: _r, rawIndex: _i, ...template } = filingOf(mail, {
    userId: "",
    shard: "",
    messageId: "",
    folderRole: "inbox",
    seen: false,
    receivedAt: 0,
    size: raw.length,
    rawIndex: 0,
  });
  templates.push({ ...template, messageIdHeader: null, inReplyTo: null, references: [] });
}
const corpusAverage = rawBytes / templates.length;
console.log(`corpus: ${templates.length} messages parsed in ${((performance.now() - started) / 1000).toFixed(1)} s, ${Math.round(corpusAverage)} bytes each on average`);

const NOUNS = ["프로젝트", "일정", "회의", "보고서", "예산", "고객", "계약", "개발", "디자인", "마케팅", "출장", "휴가", "검토", "승인", "자료", "발표", "회사", "팀장", "부서", "서버", "배포", "테스트", "문서", "요청", "확인", "공유", "진행", "결과", "분석", "계획", "주간", "월간", "분기", "매출", "제품"];
const PARTICLES = ["을", "를", "이", "가", "은", "는", "에", "에서", "으로", "와", "과", "의", "도", ""];
const ENDINGS = ["합니다", "했습니다", "부탁드립니다", "예정입니다", "하겠습니다", "있습니다", "드립니다"];
const NAMES = ["김민수", "이서연", "박지훈", "최수빈", "정하은", "강도윤"];

function koreanSentence(): string {
  const words = Array.from({ length: 3 + Math.floor(random() * 4) }, () => (random() < 0.3 ? pick(NOUNS) + pick(NOUNS) : pick(NOUNS)) + pick(PARTICLES));
  return `${words.join(" ")} ${pick(ENDINGS)}.`;
}

function koreanTemplate(): Template {
  const text = Array.from({ length: 4 + Math.floor(random() * 12) }, koreanSentence).join(" ");
  const name = pick(NAMES);
  return {
    size: 1500 + text.length * 3,
    from: { name, address: `user${NAMES.indexOf(name)}@example.kr` },
    to: [{ name: "", address: "target@example.test" }],
    cc: [],
    replyTo: [],
    subject: `[공지] ${pick(NOUNS)}${pick(NOUNS)} ${pick(NOUNS)} 안내`,
    snippet: text.slice(0, 200),
    sentAt: null,
    messageIdHeader: null,
    inReplyTo: null,
    references: [],
    text,
    html: null,
    attachments: [],
  };
}

const ATTACHMENT_TEXT = ["quarterly revenue forecast and budget summary", "minutes of the steering committee meeting", "signed contract for the consulting services", "invoice for hosting and support services"];

/** A word only the other users' mail has (in every message of theirs): the searched user's query for
 * it must not read their part of the index. */
const OTHERS_WORD = "elsewhereonly";

function filingsFor(userId: string, count: number, offset: number, extraWord = ""): Filing[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    const base = n % 7 === 3 ? koreanTemplate() : templates[(n * 7919) % templates.length]!;
    const template = extraWord ? { ...base, subject: `${base.subject} ${extraWord}` } : base;
    const receivedAt = NOW - SPAN + Math.floor(((i + random()) / count) * SPAN);
    const roll = random();
    const folderRole: FolderRole = roll < 0.85 ? "inbox" : roll < 0.93 ? "sent" : roll < 0.96 ? "archive" : roll < 0.98 ? "junk" : "trash";
    const attachments =
      n % 40 === 7
        ? [...template.attachments, { attachmentId: String(template.attachments.length + 1), filename: `${pick(["report", "minutes", "contract", "invoice"])}-${n % 97}.pdf`, contentType: "application/pdf", disposition: "attachment" as const, contentId: null, size: 40_000, blobKey: "att/sha256/bench", text: pick(ATTACHMENT_TEXT) }]
        : template.attachments;
    return { ...template, attachments, userId, messageId: uuidv7(receivedAt), receivedAt, seen: random() < 0.7, flagged: random() < 0.02, folderRole, raw: { key: "raw/bench", offset: 0, length: template.size } };
  });
}

async function openShard(name: string): Promise<{ shards: Shards; shard: ShardDatabase; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), `bench-search-${name}-`));
  const shards = await Shards.open([{ name: "s0", url: `file:${path.join(dir, "s0.db")}` }]);
  return { shards, shard: shards.get("s0"), dir };
}

async function mailbox(shard: ShardDatabase, name: string): Promise<string> {
  const userId = uuidv7();
  await createMailbox(shard, { userId, address: `${name}@example.test`, quotaBytes: 10 ** 13 });
  return userId;
}

/** Files in time order across users, in batches; returns ms. */
async function fileAll(shard: ShardDatabase, filings: Filing[]): Promise<number> {
  filings.sort((a, b) => a.receivedAt - b.receivedAt);
  const t = performance.now();
  for (let i = 0; i < filings.length; i += BATCH) await fileMessages(shard, filings.slice(i, i + BATCH));
  return performance.now() - t;
}

// ── indexing cost at ingest: the same 20,000 messages with and without the index ─────────────────

const COMPARE = Math.min(20_000, MESSAGES);
const compareMail = () => {
  seed = 0xc0ffee;
  return filingsFor("", COMPARE, 0);
};
async function fileCompare(withIndex: boolean): Promise<number> {
  const { shards, shard, dir } = await openShard(withIndex ? "with" : "without");
  if (!withIndex) {
    // The FTS5 table replaced by a view whose inserts do nothing: filing as it was before search,
    // except the index text (made outside the transaction), which is timed on its own below.
    await shard.db.run(sql`DROP TABLE search_index`);
    await shard.db.run(sql.raw(`CREATE VIEW search_index (rowid, ${SEARCH_COLUMNS.join(", ")}) AS SELECT ${["0", ...SEARCH_COLUMNS.map(() => "''")].join(", ")} WHERE 0`));
    await shard.db.run(sql.raw(`CREATE TRIGGER search_index_noop INSTEAD OF INSERT ON search_index BEGIN SELECT 1; END`));
  }
  const userId = await mailbox(shard, "compare");
  const ms = await fileAll(shard, compareMail().map((f) => ({ ...f, userId })));
  shards.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}
let indexingMs: number | null = null;
if (!EDGE) {
  const without = await fileCompare(false);
  const withIndex = await fileCompare(true);
  const documentStart = performance.now();
  for (const f of compareMail()) searchDocument(f);
  const documentMs = performance.now() - documentStart;
  const ftsPerMessage = (withIndex - without) / COMPARE;
  const textPerMessage = documentMs / COMPARE;
  console.log(
    `ingest (${COMPARE.toLocaleString("en")} messages, batches of ${BATCH}): filing with the index ${(withIndex / COMPARE).toFixed(3)} ms/message, ` +
      `without ${(without / COMPARE).toFixed(3)} ms/message (index text made: ${textPerMessage.toFixed(3)} ms/message) → ` +
      `indexing costs ${(ftsPerMessage + textPerMessage).toFixed(3)} ms/message (${Math.round(1000 / (ftsPerMessage + textPerMessage)).toLocaleString("en")} messages/s of one core)`,
  );
  indexingMs = ftsPerMessage + textPerMessage;
}

// ── the big shard ───────────────────────────────────────────────────────────

/** The whole system on a data folder of ours (its own is removed when it stops), with the searched user. */
const PASSWORD = "bench search password";
const dataDir = mkdtempSync(path.join(tmpdir(), "bench-search-system-"));
// The seeded events are not pushed again at the restart: they are not what is measured.
const systemEnv = { DATA_DIR: dataDir, EVENT_REPUSH_WINDOW: "1s", LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn" };
let system: System | null = null;
let main: { shards: Shards; shard: ShardDatabase; dir: string };
let target: string;
if (EDGE) {
  system = await startSystem(systemEnv);
  await system.cli("domain", "add", "bench.test");
  await system.cli("user", "add", "target@bench.test", "--password", PASSWORD, "--quota", "100G");
  await system.stop();
  const config = loadConfig({ ...process.env, ...systemEnv }, "cli");
  const directory = await Directory.open(config.directoryUrl);
  const user = (await directory.userByAddress("target@bench.test"))!;
  directory.close();
  const shards = await Shards.open(config.shards);
  main = { shards, shard: shards.get(user.shard), dir: dataDir };
  target = user.id;
} else {
  main = await openShard("main");
  target = await mailbox(main.shard, "target");
}
const { shards, shard, dir } = main;
seed = 0x5eed;
const all: Filing[] = filingsFor(target, MESSAGES, 0);
for (let u = 0; u < OTHERS; u++) all.push(...filingsFor(await mailbox(shard, `other${u}`), OTHER_MESSAGES, 1000 * (u + 1), OTHERS_WORD));
const total = all.length;
const buildMs = await fileAll(shard, all);
console.log(`filed ${total.toLocaleString("en")} messages (${MESSAGES.toLocaleString("en")} for the searched user, ${OTHERS} others with ${OTHER_MESSAGES.toLocaleString("en")} each) in ${(buildMs / 1000).toFixed(1)} s: ${(buildMs / total).toFixed(3)} ms/message`);

const [sizes] = await shard.db.all<{ fts: number; docIndex: number }>(
  sql`SELECT sum(CASE WHEN name LIKE 'search_index%' THEN pgsize ELSE 0 END) AS fts, sum(CASE WHEN name = 'messages_by_doc' THEN pgsize ELSE 0 END) AS docIndex FROM dbstat`,
);
const indexPerMessage = (sizes!.fts + sizes!.docIndex) / total;
console.log(
  `index size: ${(sizes!.fts / 2 ** 20).toFixed(0)} MiB FTS5 + ${(sizes!.docIndex / 2 ** 20).toFixed(1)} MiB doc id index = ${Math.round(indexPerMessage)} bytes/message ` +
    `(${((indexPerMessage / corpusAverage) * 100).toFixed(0)}% of the average corpus message, ${Math.round(corpusAverage)} bytes)`,
);

// ── queries ─────────────────────────────────────────────────────────────────

const day = 86_400_000;

/** Words by how many corpus messages have them (each corpus message is ~16 of the user's). */
function wordsByFrequency(): Map<string, number> {
  const df = new Map<string, number>();
  for (const t of templates) {
    const words = new Set(`${t.subject} ${t.text ?? ""}`.toLowerCase().match(/\b[a-z]{5,12}\b/g) ?? []);
    for (const w of words) df.set(w, (df.get(w) ?? 0) + 1);
  }
  return df;
}
const df = wordsByFrequency();
const ranked = [...df].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
const rare = ranked.filter(([, n]) => n === 2).filter((_, i) => i % 97 === 0).slice(0, 12).map(([w]) => w);
const common = ranked.filter(([, n]) => n >= templates.length * 0.1 && n <= templates.length * 0.3).slice(-12).map(([w]) => w);
const mostCommon = ranked.slice(-3).map(([w]) => w);

/** A calendar date of the query language (after:/before:). */
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll("-", "/");

// Written in the query language, as a user types them: parsed as the core's route parses them
// in-process, sent as `q` through the edge.
type Query = { q: string; sort?: "date" | "relevance"; pages?: number };
const kinds: { kind: string; queries: Query[] }[] = [
  { kind: "rare word", queries: rare.map((w) => ({ q: w })) },
  { kind: "common word", queries: [...common, ...mostCommon].map((w) => ({ q: w })) },
  { kind: "common word, page 5", queries: common.slice(0, 6).map((w) => ({ q: w, pages: 5 })) },
  { kind: "common word, relevance", queries: common.map((w) => ({ q: w, sort: "relevance" as const })) },
  { kind: "phrase", queries: ["mailing list", "free software", "click here", "credit card", "open source", "the following", "spam assassin", "please find"].map((p) => ({ q: `"${p}"` })) },
  {
    kind: "operators",
    queries: [
      `${common[0]} in:inbox is:unread`,
      `subject:${common[1]} -${common[2]}`,
      `${rare[0]} OR ${rare[1]} OR ${rare[2]}`,
      `${common[3]} larger:20000`,
      "from:example 회의",
      "has:attachment filename:report",
      "in:sent is:read",
      "is:starred",
      `${common[4]} -in:junk newer_than:1y`,
      "from:user1 OR is:starred",
    ].map((q) => ({ q })),
  },
  { kind: "Korean word", queries: ["회의", "일정", "보고서", "예산", "프로젝트일정", "배포", "매출"].map((q) => ({ q })) },
  {
    kind: "date range",
    queries: Array.from({ length: 8 }, (_, i) => {
      const after = NOW - SPAN + i * 120 * day;
      const range = `after:${dateOf(after)} before:${dateOf(after + 30 * day)}`;
      return { q: i % 2 === 0 ? range : `${common[i]} ${range}` };
    }),
  },
  { kind: "others' common word", queries: [{ q: OTHERS_WORD }, { q: `${OTHERS_WORD} ${common[0]}` }, { q: OTHERS_WORD, sort: "relevance" }] },
  { kind: "no result", queries: ["zzyzxqq", "qwertyuiopasdf", "회의록없음", '"linux windows mac spam"'].map((q) => ({ q })) },
];

/** One page of results and how long it took: in this process as the core's route runs it, or through the edge. */
type Search = (q: string, options: { limit: number; cursor?: string; sort: "date" | "relevance" }) => Promise<{ page: SearchPage; ms: number }>;

/** CPU of the last in-process search, ms. */
let lastCpuMs = 0;
const inProcess: Search = async (q, options) => {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const page = await searchMessages(shard, target, parseSearchQuery(q), { q, ...options });
  // As the core's route answers it.
  JSON.stringify(page);
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return { page, ms: performance.now() - t };
};

/** Requests made through the edge so far, and how many of them the edge refused (429). */
let requests = 0;
let limited = 0;

/** CPU ms used so far by the system's processes (the process group `npm start` runs in), by program. */
function systemCpuMs(group: number): { node: number; workerd: number } {
  const ticks = { node: 0, workerd: 0 };
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // The fields after the command: state, ppid, pgrp, … utime (14th of the line), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== group) continue;
    ticks[comm.startsWith("workerd") ? "workerd" : "node"] += Number(fields[11]) + Number(fields[12]);
  }
  // Linux counts in 100ths of a second (USER_HZ).
  return { node: ticks.node * 10, workerd: ticks.workerd * 10 };
}

/** Start-to-start spacing of requests that keeps the user under the edge's per-user limit (600 a
 * minute, a sliding window). Sent as fast as they come back, the bench would use the minute's 600 in
 * a few seconds and then wait most of a minute for the window to open: the requests after that wait
 * find the system idle for 50 s (connections closed, caches cold) and measured that, not a search.
 * A user types slower than 10 searches a second. */
const PACE_MS = Math.ceil((rateLimits.user.period * 1000) / rateLimits.user.limit) + 1;

/** GET /api/v1/search with the user's session, paced (PACE_MS). A 429 all the same is waited out and
 * asked again: the wait is no part of a search's time. */
function throughEdge(edge: string, token: string): Search {
  let lastStart = -Infinity;
  return async (q, options) => {
    const url = new URL(`${edge}/api/v1/search`);
    url.searchParams.set("q", q);
    url.searchParams.set("limit", String(options.limit));
    url.searchParams.set("sort", options.sort);
    if (options.cursor) url.searchParams.set("cursor", options.cursor);
    for (;;) {
      const wait = lastStart + PACE_MS - performance.now();
      if (wait > 0) await sleep(wait);
      lastStart = performance.now();
      const t = performance.now();
      requests++;
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 429) {
        limited++;
        await res.arrayBuffer();
        await sleep(Number(res.headers.get("retry-after") ?? "5") * 1000);
        continue;
      }
      if (res.status !== 200) throw new Error(`search ${q}: ${res.status} ${await res.text()}`);
      const page = (await res.json()) as SearchPage;
      return { page, ms: performance.now() - t };
    }
  };
}

let search: Search = inProcess;
if (EDGE) {
  // Everything filed; the core opens the shard again as it starts.
  shards.close();
  await sleep(1500); // past EVENT_REPUSH_WINDOW of the last filing
  system = await startSystem(systemEnv);
  const res = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: "target@bench.test", password: PASSWORD }) });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  search = throughEdge(system.edge, ((await res.json()) as LoginResponse).token);
}

/** The time of the query's last page (pages before it are turned first, untimed). */
async function runQuery(query: Query): Promise<{ ms: number; results: number; cpuMs: number }> {
  const sort = query.sort ?? "date";
  let cursor: string | undefined;
  for (let p = 1; p < (query.pages ?? 1); p++) {
    cursor = (await search(query.q, { limit: PAGE, cursor, sort })).page.nextCursor ?? undefined;
    if (!cursor) break;
  }
  const { page, ms } = await search(query.q, { limit: PAGE, cursor, sort });
  return { ms, results: page.messages.length, cpuMs: lastCpuMs };
}

async function hits(q: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const { page } = await search(q, { limit: limits.maxPageSize, cursor, sort: "date" });
    n += page.messages.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < 1_000_000);
  return n;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

// Warm the page cache as a running core's would be.
for (const k of kinds) for (const q of k.queries) await runQuery(q);
console.log(`\nqueries on the ${MESSAGES.toLocaleString("en")}-message mailbox (pages of ${PAGE}, highlighted snippets included${EDGE ? "; through the edge, GET /api/v1/search" : ""}):`);
const cpuHeading = EDGE ? "CPU ms/request: node, workerd" : "CPU ms p50";
console.log(`${"kind".padEnd(24)} ${"queries".padStart(7)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"max ms".padStart(8)}  ${cpuHeading.padEnd(29)}  hits (all pages)`);
const summary: Record<string, { p50: number; p95: number; max: number; cpuMs: number | { node: number; workerd: number } }> = {};
const group = system?.process.process.pid ?? null;
for (const k of kinds) {
  const times: number[] = [];
  const cpus: number[] = [];
  const perQuery = k.queries.map(() => [] as number[]);
  const cpuBefore = group === null ? null : systemCpuMs(group);
  const requestsBefore = requests;
  for (let round = 0; round < 5; round++) {
    for (const [i, q] of k.queries.entries()) {
      const { ms, cpuMs } = await runQuery(q);
      times.push(ms);
      cpus.push(cpuMs);
      perQuery[i]!.push(ms);
    }
  }
  let cpuMs: number | { node: number; workerd: number } = +quantile(cpus, 0.5).toFixed(2);
  if (cpuBefore && group !== null) {
    const after = systemCpuMs(group);
    const made = requests - requestsBefore;
    cpuMs = { node: +((after.node - cpuBefore.node) / made).toFixed(2), workerd: +((after.workerd - cpuBefore.workerd) / made).toFixed(2) };
  }
  const cpuText = typeof cpuMs === "number" ? cpuMs.toFixed(2) : `${cpuMs.node.toFixed(2)}, ${cpuMs.workerd.toFixed(2)}`;
  if (args.verbose) k.queries.forEach((q, i) => console.log(`  ${quantile(perQuery[i]!, 0.5).toFixed(2).padStart(7)} ms  ${q.sort ?? "date"}  ${q.q}`));
  // Through the edge, counting every hit would spend the user's request budget: counted in-process only.
  const counts = k.kind.startsWith("common word,") || EDGE ? [] : await Promise.all(k.queries.slice(0, 4).map((q) => hits(q.q)));
  summary[k.kind] = { p50: +quantile(times, 0.5).toFixed(2), p95: +quantile(times, 0.95).toFixed(2), max: +Math.max(...times).toFixed(2), cpuMs };
  console.log(
    `${k.kind.padEnd(24)} ${String(k.queries.length).padStart(7)} ${summary[k.kind]!.p50.toFixed(2).padStart(8)} ${summary[k.kind]!.p95.toFixed(2).padStart(8)} ${summary[k.kind]!.max.toFixed(2).padStart(8)}  ${cpuText.padEnd(29)}  ${counts.map((c) => c.toLocaleString("en")).join(", ")}${counts.length ? ", …" : ""}`,
  );
}
console.log(
  JSON.stringify({
    messages: MESSAGES,
    through: EDGE ? "edge" : "in-process",
    ...(EDGE ? { requests, refused429: limited } : {}),
    shardMessages: total,
    fileMsPerMessage: +(buildMs / total).toFixed(3),
    indexingMsPerMessage: indexingMs === null ? null : +indexingMs.toFixed(3),
    indexBytesPerMessage: Math.round(indexPerMessage),
    corpusBytesPerMessage: Math.round(corpusAverage),
    queries: summary,
  }),
);

if (system) await system.stop();
else shards.close();
rmSync(dir, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
