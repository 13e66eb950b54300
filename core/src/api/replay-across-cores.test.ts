// Two cores of one region (one directory, the same shards and bucket, a spool each), as the edge spreads
// calls over them: a signed request is bound to the core it was sent to, so one captured on its way to
// core A is refused by core B, and A's own nonce memory refuses it a second time. No nonce store shared
// by the cores is written on the hot edge → core path. Cores the edge reaches by one origin (behind a load
// balancer) share their nonces in a database instead (REPLAY_STORE_URL).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../../shared/signing.ts";
import { startS3Server, type TestS3Server } from "../../../test/support/s3-server.ts";
import { startTempCore, TEST_SECRET, type TempCore } from "../../../test/support/temp-core.ts";

let s3: TestS3Server;
let a: TempCore;
let b: TempCore;
let alice: { id: string };
const origin = (core: TempCore) => `http://127.0.0.1:${core.apiPort}`;

beforeAll(async () => {
  s3 = await startS3Server("edgemail-region");
  a = await startTempCore(s3.env);
  b = await startTempCore({ ...s3.env, DIRECTORY_URL: a.config.directoryUrl, SHARDS: a.config.shards.map((s) => `${s.name}=${s.url}`).join(",") });
  alice = await a.addUser("alice@example.test");
});
afterAll(async () => {
  await b?.destroy();
  await a?.destroy();
  await s3?.close();
});

async function signedFor(core: TempCore, path: string): Promise<Record<string, string>> {
  return signRequest(TEST_SECRET, origin(core), { method: "GET", pathAndQuery: path, body: "" });
}

describe("a signed request in a region of two cores", () => {
  it("is served by the core it was signed for, refused at the other, and refused as a replay at its own", async () => {
    const path = `/internal/v1/users/${alice.id}/folders`;
    const forA = await signedFor(a, path);
    const atB = await fetch(`${origin(b)}${path}`, { headers: forA });
    expect(atB.status).toBe(401);
    expect(((await atB.json()) as { detail: string }).detail).toContain("other-audience");

    expect((await fetch(`${origin(a)}${path}`, { headers: forA })).status).toBe(200);
    const replay = await fetch(`${origin(a)}${path}`, { headers: forA });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { detail: string }).detail).toContain("replayed");
    // Still refused at B after A took it.
    expect((await fetch(`${origin(b)}${path}`, { headers: forA })).status).toBe(401);

    // B serves alice (the same directory and shards): its refusal was the audience's.
    expect((await fetch(`${origin(b)}${path}`, { headers: await signedFor(b, path) })).status).toBe(200);
  });

  it("cannot be relabelled for the other core: the audience is signed", async () => {
    const path = `/internal/v1/users/${alice.id}/account`;
    const forA = await signedFor(a, path);
    const relabelled = { ...forA, "x-edgemail-audience": origin(b) };
    const res = await fetch(`${origin(b)}${path}`, { headers: relabelled });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain("bad-signature");
  });
});

describe("cores behind one origin, sharing their nonces (REPLAY_STORE_URL)", () => {
  const LB = "https://core.region.test";
  let dir: string;
  let c: TempCore;
  let d: TempCore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "edgemail-replay-store-"));
    const shared = { ...s3.env, API_URLS: LB, REPLAY_STORE_URL: `file:${path.join(dir, "replay.db")}`, DIRECTORY_URL: a.config.directoryUrl, SHARDS: a.config.shards.map((s) => `${s.name}=${s.url}`).join(",") };
    c = await startTempCore(shared);
    d = await startTempCore(shared);
  });
  afterAll(async () => {
    await d?.destroy();
    await c?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses at one core a request the other took, and accepts fresh ones at either", async () => {
    const path = `/internal/v1/users/${alice.id}/folders`;
    const headers = await signRequest(TEST_SECRET, LB, { method: "GET", pathAndQuery: path, body: "" });
    expect((await fetch(`${origin(c)}${path}`, { headers })).status).toBe(200);
    const atD = await fetch(`${origin(d)}${path}`, { headers });
    expect(atD.status).toBe(401);
    expect(((await atD.json()) as { detail: string }).detail).toContain("replayed");
    for (const core of [c, d, c]) {
      const fresh = await signRequest(TEST_SECRET, LB, { method: "GET", pathAndQuery: path, body: "" });
      expect((await fetch(`${origin(core)}${path}`, { headers: fresh })).status).toBe(200);
    }
    // Their own addresses are not among their origins: API_URLS replaces the default.
    expect((await fetch(`${origin(c)}${path}`, { headers: await signedFor(c, path) })).status).toBe(401);
  });
});
