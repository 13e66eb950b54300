// `spam learn` and `spam stats`: the operator's sa-learn. A new service's learning classifier says
// nothing until it has seen 200 spam and 200 ham; an operator starts it from mail they have (a
// folder of .eml files, an mbox, the SpamAssassin public corpus) and users' reports take it on.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { parseMail } from "../mail-format/parse.ts";
import { canonicalLineEndings } from "../smtp/inbound/data.ts";
import { learnDelta, mergeDeltas, type BayesDelta, type Verdict } from "../store/bayes-model.ts";
import { messageTokens } from "../pipeline/spam/bayes.ts";
import type { Directory } from "../store/directory.ts";
import { spamModel, spamTotals } from "../store/directory-schema.ts";
import { learnGlobal } from "../store/spam-model.ts";
import { RefusedError, UsageError } from "./errors.ts";

type Out = (human: string, json: unknown) => void;

/** Every message in the paths: files (one message each, or an mbox when it starts with "From "),
 * and folders, read recursively (files ending .json, such as the corpus package's metadata, skipped). */
async function* messagesIn(paths: string[]): AsyncGenerator<Buffer> {
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info) throw new RefusedError(`${p}: no such file or folder`);
    if (info.isDirectory()) {
      const names = (await readdir(p)).sort();
      yield* messagesIn(names.filter((n) => !n.startsWith(".") && !n.endsWith(".json")).map((n) => path.join(p, n)));
      continue;
    }
    const bytes = await readFile(p);
    const text = bytes.toString("latin1");
    if (!text.startsWith("From ")) {
      yield canonicalLineEndings(bytes);
      continue;
    }
    // mbox: messages begin at lines "From "; a lone one-message file (the corpus) drops its line.
    const starts = [...text.matchAll(/(?:^|\n)From [^\n]*\n/g)].map((m) => ({ at: m.index! + (m[0].startsWith("\n") ? 1 : 0), length: m[0].length - (m[0].startsWith("\n") ? 1 : 0) }));
    for (let i = 0; i < starts.length; i++) {
      const body = bytes.subarray(starts[i]!.at + starts[i]!.length, i + 1 < starts.length ? starts[i + 1]!.at : bytes.length);
      yield canonicalLineEndings(Buffer.from(body.toString("latin1").replace(/\n>(>*From )/g, "\n$1"), "latin1"));
    }
  }
}

export async function spamCommand(command: string, positionals: string[], deps: { directory: Directory; out: Out }): Promise<void> {
  const { directory, out } = deps;
  if (command === "stats") {
    const db = directory.database;
    const [totals] = await db.select().from(spamTotals).where(eq(spamTotals.id, 1));
    const tokens = (await db.$count(spamModel)) as number;
    const stats = { spam: totals?.nspam ?? 0, ham: totals?.nham ?? 0, tokens };
    return out(`learned: ${stats.spam} spam, ${stats.ham} ham, ${stats.tokens} tokens${stats.spam < 200 || stats.ham < 200 ? " (the classifier starts at 200 of each)" : ""}`, stats);
  }
  if (command !== "learn") throw new UsageError(`unknown command "spam ${command}"`);
  const as = positionals[2] as Verdict;
  if (as !== "spam" && as !== "ham") throw new UsageError("spam learn needs spam or ham, then files or folders");
  const paths = positionals.slice(3);
  if (paths.length === 0) throw new UsageError("spam learn needs files or folders of messages");
  let count = 0;
  let batch: BayesDelta[] = [];
  for await (const raw of messagesIn(paths)) {
    batch.push(learnDelta(messageTokens(raw, await parseMail(raw)), as));
    count++;
    if (batch.length === 500) {
      await learnGlobal(directory, mergeDeltas(batch));
      batch = [];
    }
  }
  if (batch.length > 0) await learnGlobal(directory, mergeDeltas(batch));
  return out(`learned ${count} message(s) as ${as}`, { learned: count, as });
}
