// The apikey commands as an operator runs them, up to the point where they would reach the edge:
// their arguments, the configuration they need, the user they name, an edge that does not answer.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/process.ts";
import { TEST_SECRET } from "../../../test/support/temp-core.ts";

const CLI = path.resolve(import.meta.dirname, "main.ts");
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-apikey-"));
let deadEdge: string;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, EDGE_URL: "", INTERNAL_SIGNING_SECRET: "", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  expect((await cli({}, "domain", "add", "example.test")).code).toBe(0);
  expect((await cli({}, "user", "add", "alice@example.test", "--password", "correct horse")).code).toBe(0);
  deadEdge = `http://127.0.0.1:${await freePort()}`; // nothing listens there
});

describe("apikey commands", () => {
  // Each case is a CLI process of its own: room for a busy machine.
  it("explain what is wrong before calling the edge, with exit 2 for usage and 1 for refusals", { timeout: 120_000 }, async () => {
    const edge = { EDGE_URL: deadEdge, INTERNAL_SIGNING_SECRET: TEST_SECRET };
    const create = ["apikey", "create", "alice@example.test"];
    const cases: [Record<string, string>, string[], number, RegExp][] = [
      [edge, [...create, "--scopes", "mail.read"], 2, /give the key a name with --name/],
      [edge, [...create, "--name", "crm"], 2, /give its scopes with --scopes/],
      [edge, [...create, "--name", "crm", "--scopes", "mail.read,mail.write"], 2, /unknown scope "mail\.write"; scopes are mail\.read, mail\.send, mail\.manage, mail\.forward, events/],
      [edge, [...create, "--name", "crm", "--scopes", "events", "--expires", "soon"], 2, /--expires soon is not a duration/],
      [edge, [...create, "--name", "crm", "--scopes", "events", "--expires", "10s"], 2, /--expires: must be between 1 minute and 5 years/],
      [edge, [...create, "--name", "a\nb", "--scopes", "events"], 2, /--name: must not contain line breaks/],
      [edge, ["apikey", "revoke", "alice@example.test"], 2, /missing key id/],
      [edge, ["apikey", "list"], 2, /missing address/],
      [edge, ["apikey", "list", "not-an-address"], 1, /not a mail address/],
      [edge, ["apikey", "list", "nobody@example.test"], 1, /no user nobody@example\.test/],
      [{}, [...create, "--name", "crm", "--scopes", "mail.read,events"], 1, /EDGE_URL is not set/],
      [{ EDGE_URL: deadEdge }, ["apikey", "list", "alice@example.test"], 1, /INTERNAL_SIGNING_SECRET is not set/],
      [{ ...edge, EDGE_URL: "edge.example" }, ["apikey", "list", "alice@example.test"], 1, /EDGE_URL: must be an http\(s\) URL/],
    ];
    for (const [env, args, code, message] of cases) {
      const result = await cli(env, ...args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack traces
    }
  });

  it("say so clearly when the edge cannot be reached", { timeout: 60_000 }, async () => {
    const env = { EDGE_URL: deadEdge, INTERNAL_SIGNING_SECRET: TEST_SECRET };
    for (const args of [
      ["apikey", "create", "alice@example.test", "--name", "crm", "--scopes", "mail.read,events", "--expires", "30d"],
      ["apikey", "list", "alice@example.test"],
      ["apikey", "revoke", "alice@example.test", "key_123"],
    ]) {
      const result = await cli(env, ...args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`error: the edge at ${deadEdge.replace(/[.]/g, "\\.")} cannot be reached \\(.+\\); is it running, and is EDGE_URL right\\?`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
