// `shard add` and `shard list` as an operator runs them, on a data folder with no core running (the
// running system's side is test/e2e/shard-rebalance.test.ts): the shard is migrated and recorded,
// listed, and a duplicate name or url, a bad name or a shard holding mailboxes already is refused.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-shards-"));
const otherDir = mkdtempSync(path.join(tmpdir(), "edgemail-shards-other-"));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, SHARD_COUNT: "2", INTERNAL_SIGNING_SECRET: "", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const here = (...args: string[]) => cli({ DATA_DIR: dataDir }, ...args);

describe("shard add", () => {
  it("migrates and records a shard, lists it, places new users on it, and refuses duplicates", { timeout: 120_000 }, async () => {
    const added = await here("shard", "add", "s2", "--json");
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: "s2", url: `file:${path.join(dataDir, "shards", "s2.db")}`, isolates: 0, toMove: 0 });
    expect(existsSync(path.join(dataDir, "shards", "s2.db"))).toBe(true);
    expect((await here("shard", "add", "s3")).stdout).toMatch(/shard s3 added .*no core of region local is running/);

    const list = JSON.parse((await here("shard", "list", "--json")).stdout) as { name: string; source: string }[];
    expect(list.map((s) => [s.name, s.source])).toEqual([["s0", "config"], ["s1", "config"], ["s2", "added"], ["s3", "added"]]);

    // New users are placed over the whole map at once.
    expect((await here("domain", "add", "example.test")).code).toBe(0);
    const shardsOf: string[] = [];
    for (let i = 0; i < 6; i++) shardsOf.push((JSON.parse((await here("user", "add", `u${i}@example.test`, "--password", "correct horse", "--json")).stdout) as { shard: string }).shard);
    expect(shardsOf.every((s) => ["s0", "s1", "s2", "s3"].includes(s))).toBe(true);

    const cases: [string[], number, RegExp][] = [
      [["shard", "add", "s2"], 1, /shard "s2" is already in the shard map \(added .* with shard add/],
      [["shard", "add", "s1"], 1, /shard "s1" is already in the shard map \(configured in SHARDS \/ SHARD_COUNT\)/],
      [["shard", "add", "s9", "--url", `file:${path.join(dataDir, "shards", "s3.db")}`], 1, /is already shard "s3"/],
      [["shard", "add", "Big!"], 2, /lower-case letters/],
      [["shard", "add", "s9", "--url", "ftp://x"], 2, /not a libSQL URL/],
      [["shard", "add", "s9", "--replica-url", "file:/tmp/x.db"], 2, /must be a libSQL server URL/],
      [["shard", "add"], 2, /missing shard name/],
    ];
    for (const [args, code, message] of cases) {
      const result = await here(...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(JSON.parse((await here("shard", "list", "--json")).stdout)).toHaveLength(4);
  });

  it("refuses a database that holds mailboxes already (another region's shard, say)", { timeout: 120_000 }, async () => {
    const other = (...args: string[]) => cli({ DATA_DIR: otherDir, SHARD_COUNT: "1" }, ...args);
    expect((await other("domain", "add", "other.test")).code).toBe(0);
    expect((await other("user", "add", "x@other.test", "--password", "correct horse")).code).toBe(0);
    const result = await here("shard", "add", "s5", "--url", `file:${path.join(otherDir, "shards", "s0.db")}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds 1 mailbox\(es\) already; a new shard must be empty/);
  });
});
