// `user password|revoke|remove` when the edge that keeps the user's sessions, API keys and webhooks
// cannot be told: each says what it did and did not do and the command that finishes it (exit 1),
// and leaves the directory as it says. With a running edge: test/e2e/system.test.ts.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../../shared/password.ts";
import { freePort } from "../../../test/support/process.ts";
import { TEST_SECRET } from "../../../test/support/temp-core.ts";
import { Directory } from "../store/directory.ts";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-users-"));
let deadEdge: Record<string, string>;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, EDGE_URL: "", INTERNAL_SIGNING_SECRET: "", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Whether `password` signs in as `address` now, read from the directory the CLI wrote. */
async function signsIn(address: string, password: string): Promise<boolean> {
  const directory = await Directory.open(`file:${path.join(dataDir, "directory.db")}`);
  try {
    const user = await directory.userByAddress(address);
    return user !== null && (await verifyPassword(password, user.passwordHash));
  } finally {
    directory.close();
  }
}

beforeAll(async () => {
  expect((await cli({}, "domain", "add", "example.test")).code).toBe(0);
  for (const name of ["alice", "bob", "carol"]) expect((await cli({}, "user", "add", `${name}@example.test`, "--password", "correct horse")).code).toBe(0);
  deadEdge = { EDGE_URL: `http://127.0.0.1:${await freePort()}`, INTERNAL_SIGNING_SECRET: TEST_SECRET }; // nothing listens there
});

describe("user commands that need the edge", () => {
  it("refuse before changing anything when no edge is configured, or the password is unfit", { timeout: 120_000 }, async () => {
    const cases: [Record<string, string>, string[], number, RegExp][] = [
      [{}, ["user", "password", "alice@example.test", "--password", "a new secret"], 1, /EDGE_URL is not set: sessions, API keys and webhooks are kept by the edge/],
      [{}, ["user", "remove", "alice@example.test"], 1, /EDGE_URL is not set/],
      [{}, ["user", "revoke", "alice@example.test"], 1, /EDGE_URL is not set/],
      [deadEdge, ["user", "password", "alice@example.test", "--password", "short"], 1, /at least 8 characters/],
      [deadEdge, ["user", "password", "alice@example.test"], 2, /give the new password with --password/],
      [deadEdge, ["user", "revoke", "nobody@example.test"], 1, /no user nobody@example\.test/],
    ];
    for (const [env, args, code, message] of cases) {
      const result = await cli(env, ...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await signsIn("alice@example.test", "correct horse")).toBe(true);
    expect((await cli({}, "user", "list")).stdout).toContain("alice@example.test");
  });

  it("password: changed, and says the old credentials still work and how to revoke them", { timeout: 60_000 }, async () => {
    const result = await cli(deadEdge, "user", "password", "alice@example.test", "--password", "a new secret");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: the password of alice@example.test is changed, but what was signed in with the old one still works: its sessions, API keys and webhooks were NOT revoked.\n");
    expect(result.stderr).toMatch(/\nThe edge at http:\/\/127\.0\.0\.1:\d+ cannot be reached \(.+\); is it running, and is EDGE_URL right\?\n/);
    expect(result.stderr).toContain("\nFinish with: npm run cli -- user revoke alice@example.test\n");
    expect(await signsIn("alice@example.test", "a new secret")).toBe(true);
    expect(await signsIn("alice@example.test", "correct horse")).toBe(false);

    const revoke = await cli(deadEdge, "user", "revoke", "alice@example.test");
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain("error: the sessions, API keys and webhooks of alice@example.test were NOT revoked.\n");
    expect(revoke.stderr).toContain("\nFinish with: npm run cli -- user revoke alice@example.test\n");
  });

  it("remove: locks the user but keeps the mailbox until the edge has forgotten them, and says to run it again", { timeout: 60_000 }, async () => {
    const result = await cli(deadEdge, "user", "remove", "bob@example.test");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error: bob@example.test is locked (no sign-in, and its mail is served to no session or API key) but NOT removed: the edge still holds its sessions, API keys, webhooks and recent events, so its mail is kept until the edge has forgotten them.\n",
    );
    expect(result.stderr).toContain("\nFinish with: npm run cli -- user remove bob@example.test\n");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await signsIn("bob@example.test", "correct horse")).toBe(false);
    const users = JSON.parse((await cli({}, "user", "list", "--json")).stdout) as { address: string; messageCount: number | null }[];
    // Still there, mailbox and all, so that running the command again finishes it.
    expect(users.find((u) => u.address === "bob@example.test")).toMatchObject({ messageCount: 0 });
    // Carol, untouched, still signs in.
    expect(await signsIn("carol@example.test", "correct horse")).toBe(true);
  });
});
