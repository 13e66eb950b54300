// The admin CLI as an operator runs it: a process working on a data folder.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OutboundQueue } from "../store/outbound-queue.ts";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, INTERNAL_SIGNING_SECRET: "" } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// Each case runs CLI processes of its own: room for a busy machine.
describe("admin CLI", () => {
  it("manages domains, users, aliases and quotas", { timeout: 120_000 }, async () => {
    expect((await cli("domain", "add", "Example.TEST")).stdout).toContain("domain example.test added");
    expect((await cli("domain", "alias", "example.org", "example.test")).code).toBe(0);
    const added = await cli("user", "add", "alice@example.test", "--password", "correct horse", "--quota", "2G", "--json");
    expect(JSON.parse(added.stdout)).toMatchObject({ address: "alice@example.test", quotaBytes: 2 * 1024 ** 3, region: "local" });
    expect((await cli("alias", "add", "sales@example.test", "alice@example.test")).stdout).toContain("now delivers to alice@example.test");
    expect((await cli("alias", "list")).stdout).toContain("sales@example.test\t→ alice@example.test");
    expect((await cli("user", "quota", "alice@example.test", "500M")).stdout).toContain("500 MiB");
    const list = JSON.parse((await cli("user", "list", "--json")).stdout) as { address: string; quotaBytes: number; messageCount: number }[];
    expect(list).toEqual([expect.objectContaining({ address: "alice@example.test", quotaBytes: 500 * 1024 ** 2, messageCount: 0 })]);
    expect((await cli("domain", "list")).stdout).toMatch(/example\.test\t1 user\(s\)\taliases: example\.org/);
  });

  it("explains what is wrong, with exit code 1 for refusals and 2 for usage", { timeout: 120_000 }, async () => {
    const cases: [string[], number, RegExp][] = [
      [["user", "add", "bob@nowhere.test", "--password", "correct horse"], 1, /no domain nowhere\.test; add it first/],
      [["user", "add", "bob@example.test", "--password", "short"], 1, /at least 8 characters/],
      [["user", "add", "alice@example.test", "--password", "correct horse"], 1, /already exists/],
      [["user", "add", "not-an-address", "--password", "correct horse"], 1, /not a mail address/],
      [["user", "add", "bob@example.test"], 2, /--password/],
      [["domain", "remove", "example.test"], 1, /still has users/],
      [["user", "quota", "alice@example.test", "lots"], 2, /not a size/],
      [["frobnicate"], 2, /unknown command/],
      [["user", "add", "x@example.test", "--pasword", "x"], 2, /Unknown option/],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack traces
    }
  });

  it("makes a DKIM key and prints the records to publish; lists an empty queue", { timeout: 120_000 }, async () => {
    const dkim = await cli("domain", "dkim", "example.test", "--json");
    const out = JSON.parse(dkim.stdout) as { selector: string; records: string[] };
    expect(out.selector).toMatch(/^em\d{6}$/);
    expect(out.records.join("\n")).toMatch(new RegExp(`^${out.selector}\\._domainkey\\.example\\.test\\.\\t3600\\tIN\\tTXT\\t"v=DKIM1; k=rsa; p=`, "m"));
    expect(out.records.join("\n")).toContain("v=spf1 mx -all");
    expect(out.records.join("\n")).toContain("_dmarc.example.test.");
    expect((await cli("domain", "dkim", "nowhere.test")).stderr).toMatch(/no domain nowhere\.test/);
    expect((await cli("queue", "list")).stdout).toContain("(the queue is empty)");
    expect((await cli("queue", "errors")).stdout).toContain("(no errors)");
  });

  it("lists the queues of every local core (CORES=2 npm start), each row named by its core", { timeout: 120_000 }, async () => {
    // The second core's queue where npm start puts it, with one deferred recipient and one error.
    mkdirSync(path.join(dataDir, "cores", "c2"), { recursive: true });
    const second = await OutboundQueue.open(`file:${path.join(dataDir, "cores", "c2", "queue.db")}`);
    const now = Date.now();
    await second.enqueue([{ id: "d-1", messageId: "m-2", userId: "u-1", sender: "alice@example.test", recipient: "bob@remote.test", domain: "remote.test", nextAttemptAt: now, rawKey: "raw/m-2", rawOffset: 0, rawLength: 10, createdAt: now, expiresAt: now + 86_400_000 }]);
    await second.addError({ id: "e-1", userId: "u-1", messageId: "m-3", reason: "an attachment is gone" });
    second.close();
    const list = await cli("queue", "list");
    expect(list.stdout).toMatch(/^\[c2\]  .*m-2  alice@example\.test → bob@remote\.test  queued$/m);
    expect(JSON.parse((await cli("queue", "list", "--json")).stdout)).toEqual([expect.objectContaining({ core: "c2", messageId: "m-2" })]);
    expect((await cli("queue", "errors")).stdout).toMatch(/^\[c2\]  .*m-3  user u-1: an attachment is gone$/m);
    // A core given its own QUEUE_URL reads that queue alone.
    const own = await new Promise<string>((resolve) =>
      execFile(process.execPath, [CLI, "queue", "list"], { env: { ...process.env, DATA_DIR: dataDir, INTERNAL_SIGNING_SECRET: "", QUEUE_URL: `file:${path.join(dataDir, "queue.db")}x` } }, (_err, stdout) => resolve(stdout)),
    );
    expect(own).toContain("(the queue is empty)");
  });

  it("removes a domain without users; a user only once the edge forgets them (users.test.ts, e2e)", { timeout: 120_000 }, async () => {
    const removal = await cli("user", "remove", "alice@example.test");
    expect(removal.code).toBe(1);
    expect(removal.stderr).toMatch(/EDGE_URL is not set/);
    expect((await cli("user", "list")).stdout).toContain("alice@example.test");
    expect((await cli("domain", "add", "spare.test")).code).toBe(0);
    expect((await cli("domain", "remove", "spare.test")).code).toBe(0);
    expect((await cli("domain", "list")).stdout).not.toContain("spare.test");
  });
});
