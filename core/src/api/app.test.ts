// The core's internal API refuses every request the edge did not sign, or signed for something else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest } from "../../../shared/signing.ts";
import { lockUser } from "../mailbox/accounts.ts";
import { startTempCore, TEST_SECRET, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let alice: { id: string };
let base: string;

async function signedFetch(path: string, init: { method?: string; body?: string; secret?: string; at?: number } = {}) {
  const method = init.method ?? "GET";
  const body = init.body ?? "";
  const headers = await signRequest(init.secret ?? TEST_SECRET, base, { method, pathAndQuery: path, body }, init.at);
  return { headers, res: await fetch(`${base}${path}`, { method, headers: { ...headers, "content-type": "application/json" }, body: body || undefined }) };
}

beforeAll(async () => {
  core = await startTempCore();
  alice = await core.addUser("alice@example.test", "correct horse battery");
  base = `http://127.0.0.1:${core.apiPort}`;
});
afterAll(() => core?.destroy());

describe("internal API signatures", () => {
  it("serves a correctly signed request", async () => {
    const { res } = await signedFetch(`/internal/v1/users/${alice.id}/folders`);
    expect(res.status).toBe(200);
  });

  it("refuses unsigned, wrongly signed and expired requests", async () => {
    expect((await fetch(`${base}/internal/v1/users/${alice.id}/folders`)).status).toBe(401);
    expect((await signedFetch(`/internal/v1/users/${alice.id}/folders`, { secret: "x".repeat(40) })).res.status).toBe(401);
    expect((await signedFetch(`/internal/v1/users/${alice.id}/folders`, { at: Date.now() - 5 * 60_000 })).res.status).toBe(401);
  });

  it("refuses a replayed request", async () => {
    const { headers, res } = await signedFetch(`/internal/v1/users/${alice.id}/account`);
    expect(res.status).toBe(200);
    const replay = await fetch(`${base}/internal/v1/users/${alice.id}/account`, { headers });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { detail: string }).detail).toContain("replayed");
  });

  it("refuses a signature reused for another user's path or another body", async () => {
    const headers = await signRequest(TEST_SECRET, base, { method: "GET", pathAndQuery: `/internal/v1/users/${alice.id}/folders`, body: "" });
    const other = await fetch(`${base}/internal/v1/users/01900000-0000-7000-8000-000000000000/folders`, { headers });
    expect(other.status).toBe(401);
    const loginHeaders = await signRequest(TEST_SECRET, base, { method: "POST", pathAndQuery: "/internal/v1/auth/login", body: '{"address":"alice@example.test","password":"x"}' });
    const swapped = await fetch(`${base}/internal/v1/auth/login`, { method: "POST", headers: loginHeaders, body: '{"address":"alice@example.test","password":"correct horse battery"}' });
    expect(swapped.status).toBe(401);
  });

  it("answers 404 for a user being removed (locked), whatever credential the edge still holds", async () => {
    const bob = await core.addUser("bob@example.test", "correct horse battery");
    expect((await signedFetch(`/internal/v1/users/${bob.id}/folders`)).res.status).toBe(200);
    await lockUser(core.directory, (await core.directory.userById(bob.id))!);
    for (const path of ["folders", "account", "filters"]) expect((await signedFetch(`/internal/v1/users/${bob.id}/${path}`)).res.status, path).toBe(404);
  });

  it("answers 404 for a user that does not exist, and health without a signature", async () => {
    expect((await signedFetch(`/internal/v1/users/01900000-0000-7000-8000-000000000000/folders`)).res.status).toBe(404);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, region: "local" });
  });
});
