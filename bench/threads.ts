// npm run bench:threads [-- --messages 10000]
//
// Threading's cost on a libSQL shard file: filing replies in batches of 500 (thread assignment runs
// inside each batch's transaction), and a folder listed one row per thread (collapseThreads) beside
// the plain listing: the first page, and a walk over every page. Two mailboxes: a realistic one
// (threads of 1–8 messages, interleaved in time) and the worst case for the collapsed listing (one
// thread holding nearly the whole folder, above a page of other mail, so the first page skips them all).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { uuidv7 } from "../shared/ids.ts";
import { fileMessages, type Filing } from "../core/src/store/filing.ts";
import { createMailbox, listMessages } from "../core/src/store/mailbox.ts";
import { Shards } from "../core/src/store/shards.ts";
import { testFiling } from "../test/support/filing.ts";

const { values: args } = parseArgs({ options: { messages: { type: "string", default: "10000" } } });
const total = Number(args.messages);
const BATCH = 500;

const dir = mkdtempSync(path.join(tmpdir(), "bench-threads-"));
const shards = await Shards.open([{ name: "s0", url: `file:${path.join(dir, "s0.db")}` }]);
const shard = shards.get("s0");

async function mailbox(): Promise<string> {
  const userId = uuidv7();
  await createMailbox(shard, { userId, address: `${userId.slice(-12)}@example.test`, quotaBytes: 10 ** 12 });
  return userId;
}

function message(userId: string, at: number, thread: number, n: number): Filing {
  const id = `t${thread}-${n}`;
  return testFiling(userId, n === 0 ? `topic ${thread}` : `Re: topic ${thread}`, {
    messageId: uuidv7(at),
    receivedAt: at,
    messageIdHeader: `<${id}@remote.test>`,
    inReplyTo: n === 0 ? null : `<t${thread}-${n - 1}@remote.test>`,
    references: Array.from({ length: n }, (_, i) => `<t${thread}-${i}@remote.test>`),
    from: { name: "", address: `sender${thread % 97}@remote.test` },
  });
}

async function file(filings: Filing[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < filings.length; i += BATCH) await fileMessages(shard, filings.slice(i, i + BATCH));
  return performance.now() - started;
}

async function timed<T>(f: () => Promise<T>, runs = 20): Promise<{ ms: number; value: T }> {
  let value = await f();
  const started = performance.now();
  for (let i = 0; i < runs; i++) value = await f();
  return { ms: (performance.now() - started) / runs, value };
}

async function walk(userId: string, collapseThreads: boolean): Promise<{ pages: number; rows: number }> {
  let cursor: string | undefined;
  let pages = 0;
  let rows = 0;
  do {
    const page = await listMessages(shard, userId, "inbox", { limit: 50, cursor, collapseThreads });
    pages++;
    rows += page.messages.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { pages, rows };
}

async function report(name: string, userId: string, fileMs: number): Promise<void> {
  const flat = await timed(() => listMessages(shard, userId, "inbox", { limit: 50 }));
  const collapsed = await timed(() => listMessages(shard, userId, "inbox", { limit: 50, collapseThreads: true }));
  const flatWalk = await timed(() => walk(userId, false), 3);
  const collapsedWalk = await timed(() => walk(userId, true), 3);
  console.log(
    JSON.stringify({
      mailbox: name,
      messages: total,
      fileMsPerMessage: +(fileMs / total).toFixed(3),
      firstPageMs: { flat: +flat.ms.toFixed(2), collapsed: +collapsed.ms.toFixed(2) },
      walkMs: { flat: Math.round(flatWalk.ms), collapsed: Math.round(collapsedWalk.ms) },
      collapsedWalk: collapsedWalk.value,
    }),
  );
}

const start = Date.now() - 10 * 86_400_000;

// Realistic: threads of 1–8 messages, their messages spread over time among the others'.
{
  const userId = await mailbox();
  const filings: Filing[] = [];
  const open: { thread: number; next: number; size: number }[] = [];
  let threads = 0;
  for (let i = 0; i < total; i++) {
    if (open.length < 40 || i % 3 === 0) open.push({ thread: threads++, next: 0, size: 1 + ((threads * 7) % 8) });
    const pick = open[(i * 13) % open.length]!;
    filings.push(message(userId, start + i * 1000, pick.thread, pick.next++));
    if (pick.next >= pick.size) open.splice(open.indexOf(pick), 1);
  }
  await report("realistic", userId, await file(filings));
}

// Worst case: one huge thread on top of a page of single messages.
{
  const userId = await mailbox();
  const singles = Array.from({ length: 50 }, (_, i) => message(userId, start + i * 1000, 1_000_000 + i, 0));
  const huge = Array.from({ length: total - 50 }, (_, i) => message(userId, start + 100_000 + i * 1000, 0, i));
  // A long References header costs every reply: cap what the bench builds as the parser caps it.
  for (const f of huge) f.references = f.references.length > 50 ? [f.references[0]!, ...f.references.slice(-49)] : f.references;
  await report("one huge thread", userId, await file([...singles, ...huge]));
}

shards.close();
rmSync(dir, { recursive: true, force: true });
