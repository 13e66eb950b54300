// bench:spam --product: a split judged through the product as a new operator runs it. The whole
// system as `npm start` runs it (core + the edge in Miniflare, startSystem), the learned part taught with
// the CLI's `spam learn` from files, the held-out part delivered over SMTP to the MX (each message's
// Return-Path as its envelope sender, as the hop before the final one handed it on), and the verdicts
// counted through the edge's API: ham to ham@, spam to spam@, and what each user's Junk and inbox hold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startSystem, type System } from "../test/support/system.ts";
import { corpusRaw } from "../test/support/spam-message.ts";
import { runLoad } from "./smtp-load.ts";
import type { Split, SplitResult } from "./spam-splits.ts";

const USERS = { ham: "ham@bench.test", spam: "spam@bench.test" } as const;
const PASSWORD = "bench password";

/** The message as the last hop sends it: without the Return-Path the collecting server wrote (the
 * final delivery writes its own), whose address becomes the envelope sender. */
function asRelayed(raw: Buffer): { mailFrom: string; raw: Buffer } {
  const m = /^Return-Path:[ \t]*<([^<>\r\n]*)>[^\r\n]*\r\n/i.exec(raw.toString("latin1", 0, 2000));
  if (!m) return { mailFrom: "bench@sender.test", raw };
  // An address SMTP cannot carry as written (a space, quotes) was the collector's rewriting.
  const address = /^(?:[^\s@<>"]+@[^\s@<>"]+)?$/.test(m[1]!) ? m[1]! : "bench@sender.test";
  return { mailFrom: address, raw: raw.subarray(m[0].length) };
}

async function folders(system: System, token: string): Promise<Map<string, number>> {
  const res = await fetch(`${system.edge}/api/v1/folders`, { headers: { authorization: `Bearer ${token}`, "cache-control": "no-cache" } });
  if (!res.ok) throw new Error(`GET /folders: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { folders: { role: string | null; total: number }[] };
  return new Map(body.folders.map((f) => [f.role ?? "", f.total]));
}

async function subjectsIn(system: System, token: string, role: string): Promise<string[]> {
  const res = await fetch(`${system.edge}/api/v1/folders/${role}/messages?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { messages: { id: string; subject: string }[] };
  const lines: string[] = [];
  for (const m of body.messages) {
    const detail = (await (await fetch(`${system.edge}/api/v1/messages/${m.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { spam?: { score: number; tests: string[] } | null };
    lines.push(`score=${detail.spam?.score} ${detail.spam?.tests.join(",")} | ${m.subject.slice(0, 60)}`);
  }
  return lines;
}

export async function productSplit(split: Split, opts: { sessions: number; verbose: boolean }): Promise<SplitResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "edgemail-bench-spam-"));
  for (const kind of ["spam", "ham"] as const) {
    mkdirSync(path.join(dir, kind));
    split.learn.filter((m) => m.kind === kind).forEach((m, i) => writeFileSync(path.join(dir, kind, `${String(i).padStart(5, "0")}.eml`), m.raw));
  }
  const system = await startSystem({ LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn" });
  try {
    await system.cli("domain", "add", "bench.test");
    const tokens = {} as Record<"ham" | "spam", string>;
    for (const kind of ["ham", "spam"] as const) {
      await system.cli("user", "add", USERS[kind], "--password", PASSWORD, "--quota", "100G");
      const login = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: USERS[kind], password: PASSWORD }) });
      tokens[kind] = ((await login.json()) as { token: string }).token;
    }
    const learnStart = performance.now();
    await system.cli("spam", "learn", "spam", path.join(dir, "spam"));
    await system.cli("spam", "learn", "ham", path.join(dir, "ham"));
    const learnSeconds = (performance.now() - learnStart) / 1000;
    // The pipelines read the global model's changes at most every 5 s.
    await sleep(6000);

    const messages = split.test.map((m) => ({ kind: m.kind, ...asRelayed(corpusRaw(m)) }));
    const deliverStart = performance.now();
    const load = await runLoad({
      port: system.smtpPort,
      sessions: opts.sessions,
      messages: messages.length,
      recipient: (n) => USERS[messages[n]!.kind],
      message: (n) => messages[n]!.raw,
      from: (n) => messages[n]!.mailFrom,
    });
    const expected = { ham: messages.filter((m) => m.kind === "ham").length, spam: messages.filter((m) => m.kind === "spam").length };
    const lost = load.sent - load.accepted;
    if (lost > 0) console.error(`  split ${split.index}: ${lost} refused over SMTP, e.g. ${load.refused[0]}`);
    // Filed once both users' folders (inbox and Junk) hold everything accepted for them.
    const deadline = Date.now() + 300_000;
    let counts: Record<"ham" | "spam", Map<string, number>>;
    for (;;) {
      counts = { ham: await folders(system, tokens.ham), spam: await folders(system, tokens.spam) };
      const filed = (["ham", "spam"] as const).reduce((n, k) => n + (counts[k].get("inbox") ?? 0) + (counts[k].get("junk") ?? 0), 0);
      if (filed >= load.accepted) break;
      if (Date.now() > deadline) throw new Error(`split ${split.index}: only ${filed} of ${load.accepted} filed after 300 s`);
      await sleep(250);
    }
    const deliverSeconds = (performance.now() - deliverStart) / 1000;
    if (opts.verbose) {
      for (const line of await subjectsIn(system, tokens.ham, "junk")) console.log(`   FP ${line}`);
      for (const line of await subjectsIn(system, tokens.spam, "inbox")) console.log(`   FN ${line}`);
    }
    const hamFiled = (counts.ham.get("inbox") ?? 0) + (counts.ham.get("junk") ?? 0);
    const spamFiled = (counts.spam.get("inbox") ?? 0) + (counts.spam.get("junk") ?? 0);
    return {
      split: split.index,
      ham: hamFiled,
      spam: spamFiled,
      falsePositives: counts.ham.get("junk") ?? 0,
      missed: counts.spam.get("inbox") ?? 0,
      lost: expected.ham + expected.spam - hamFiled - spamFiled,
      note: `(spam learn ${learnSeconds.toFixed(0)} s; SMTP to visible through the edge ${deliverSeconds.toFixed(0)} s)`,
    };
  } finally {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
