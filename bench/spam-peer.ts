// bench:spam --peer: SpamAssassin (Debian's spamassassin package, its shipped rules) on the same
// splits: sa-learn learns the learned part into a Bayes database of the split's own, then
// `spamassassin --mbox` judges the held-out part with local tests only (-L: no DNS blocklists or
// URIBL, as our side has none) and its Bayes, at its default threshold of 5.
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { CorpusMessage } from "../test/support/corpus.ts";
import type { Split, SplitResult } from "./spam-splits.ts";

export async function spamAssassinAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)("spamassassin", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** One mbox of the messages (LF line ends, "From " lines escaped as mboxrd does). */
function mbox(messages: CorpusMessage[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const text = m.raw.toString("latin1").replace(/\r\n/g, "\n").replace(/\n(>*From )/g, "\n>$1");
      return Buffer.from(`From bench@sender.test Thu Aug 22 12:00:00 2002\n${text}${text.endsWith("\n") ? "" : "\n"}\n`, "latin1");
    }),
  );
}

/** Runs a SpamAssassin tool with `input` on stdin; resolves with its stdout. */
function run(command: string, args: string[], env: Record<string, string>, input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(Buffer.concat(out).toString("latin1")) : reject(new Error(`${command} exited ${code}: ${err.slice(-2000)}`))));
    if (input) child.stdin!.end(input);
  });
}

export async function spamAssassinSplit(split: Split): Promise<SplitResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "edgemail-bench-sa-"));
  try {
    const env = { HOME: dir };
    const config = ["use_bayes 1", "bayes_auto_learn 0", "bayes_auto_expire 0", `bayes_path ${path.join(dir, "bayes", "bayes")}`];
    mkdirSync(path.join(dir, "bayes"));
    const cf = config.flatMap((line) => ["--cf", line]);
    const learnStart = performance.now();
    for (const kind of ["spam", "ham"] as const) {
      const file = path.join(dir, `learn-${kind}.mbox`);
      writeFileSync(file, mbox(split.learn.filter((m) => m.kind === kind)));
      await run("sa-learn", ["--dbpath", path.join(dir, "bayes"), "--no-sync", `--${kind}`, "--mbox", file], env);
    }
    await run("sa-learn", ["--dbpath", path.join(dir, "bayes"), "--sync"], env);
    const learnSeconds = (performance.now() - learnStart) / 1000;
    const judgeStart = performance.now();
    const flagged = async (kind: "ham" | "spam") => {
      const messages = split.test.filter((m) => m.kind === kind);
      const out = await run("spamassassin", ["-L", "--mbox", ...cf], env, mbox(messages));
      const verdicts = out.match(/^X-Spam-Status: (?:Yes|No)/gm) ?? [];
      if (verdicts.length !== messages.length) throw new Error(`SpamAssassin judged ${verdicts.length} of ${messages.length} ${kind}`);
      return { total: messages.length, spam: verdicts.filter((v) => v.endsWith("Yes")).length };
    };
    const ham = await flagged("ham");
    const spam = await flagged("spam");
    return {
      split: split.index,
      ham: ham.total,
      spam: spam.total,
      falsePositives: ham.spam,
      missed: spam.total - spam.spam,
      note: `(sa-learn ${learnSeconds.toFixed(0)} s, spamassassin ${((performance.now() - judgeStart) / 1000).toFixed(0)} s)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
