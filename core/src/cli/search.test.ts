// `search reindex` as an operator runs it, on a data folder whose index lost everything: one user,
// then everyone, a progress bar on a terminal (under script(1)), and the refusal of an unknown user.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testFiling } from "../../../test/support/filing.ts";
import { loadConfig } from "../config.ts";
import { searchMessages } from "../search/search.ts";
import { fileMessages } from "../store/filing.ts";
import { Shards } from "../store/shards.ts";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-cli-search-"));
const env = { ...process.env, DATA_DIR: dataDir, INTERNAL_SIGNING_SECRET: "" };
let shards: Shards;
const users: Record<string, { id: string; shard: string }> = {};

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function found(name: string, word: string): Promise<number> {
  const user = users[name]!;
  const page = await searchMessages(shards.get(user.shard), user.id, { type: "text", value: word, phrase: false }, { q: word, limit: 50, sort: "date" });
  return page.messages.length;
}

beforeAll(async () => {
  expect((await cli("domain", "add", "example.test")).code).toBe(0);
  for (const name of ["alice", "bob"]) {
    const added = await cli("user", "add", `${name}@example.test`, "--password", "correct horse", "--json");
    users[name] = JSON.parse(added.stdout) as { id: string; shard: string };
  }
  shards = await Shards.open(loadConfig({ DATA_DIR: dataDir }, "cli").shards);
  for (const [name, n] of [["alice", 30], ["bob", 5]] as const) {
    const user = users[name]!;
    await fileMessages(shards.get(user.shard), Array.from({ length: n }, (_, i) => testFiling(user.id, `note ${i}`, { text: `회의록 number ${i}` })));
  }
  // The index loses everything (a damaged or older index): the mail is there, search finds nothing.
  for (const name of shards.names) await shards.get(name).db.run(sql`INSERT INTO search_index (search_index) VALUES ('delete-all')`);
  expect(await found("alice", "회의")).toBe(0);
});
afterAll(() => {
  shards?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("search reindex", () => {
  it("rebuilds one user's index, then everyone's, with a summary line", async () => {
    const one = await cli("search", "reindex", "alice@example.test", "--json");
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ users: 1, messages: 30 });
    expect(one.stderr).toBe(""); // no bar without a terminal
    expect(await found("alice", "회의")).toBe(30);
    expect(await found("bob", "회의")).toBe(0);

    const all = await cli("search", "reindex");
    expect(all.stdout).toMatch(/^reindexed 35 message\(s\) of 2 user\(s\) in \d+\.\d s \([\d,]+ messages\/s\)\n$/);
    expect(await found("alice", "회의")).toBe(30);
    expect(await found("bob", "number")).toBe(5);
  });

  it("draws a progress bar on a terminal", async () => {
    const shell = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} search reindex alice@example.test`;
    const out = await new Promise<string>((resolve) => execFile("script", ["-qec", shell, "/dev/null"], { env }, (_, stdout) => resolve(stdout)));
    expect(out).toMatch(/reindexing \[#{30}\] 100% {2}30\/30 alice@example\.test/);
    expect(out).toContain("reindexed 30 message(s) of 1 user(s)");
  });

  it("refuses a user that does not exist", async () => {
    expect(await cli("search", "reindex", "nobody@example.test")).toMatchObject({ code: 1, stderr: expect.stringMatching(/no user nobody@example\.test/) });
    expect(await cli("search", "rebuild")).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "search rebuild"/) });
  });
});
