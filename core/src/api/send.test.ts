// The send route the edge calls while its client waits (POST /internal/v1/users/:id/outbox/messages): one
// call reserves (daily quota, Idempotency-Key) and spools, so its 202 means the message is on disk. Against
// a real core: in-process for the answers, as a process of its own for a kill -9 after the 202s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagePage } from "../../../shared/api.ts";
import { sha256Hex } from "../../../shared/encoding.ts";
import type { Reservation } from "../../../shared/internal-api.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { freePort, type Child } from "../../../test/support/process.ts";
import { startCoreProcess, startTempCore, testConfig, type TempCore } from "../../../test/support/temp-core.ts";
import { createUser } from "../mailbox/accounts.ts";
import { Directory } from "../store/directory.ts";
import { Shards } from "../store/shards.ts";

const LIMIT = 5;

async function sendBody(message: Record<string, unknown>, idempotencyKey?: string) {
  return { idempotencyKey, requestHash: await sha256Hex(JSON.stringify(message)), message, attachments: [] };
}

describe("the send route", () => {
  let core: TempCore;
  let api: ReturnType<typeof internalApi>;
  let alice: { id: string };
  let bob: { id: string };
  const listing = async (user: { id: string }, role: string) =>
    ((await (await api("GET", `/internal/v1/users/${user.id}/folders/${role}/messages?limit=100`)).json()) as MessagePage).messages;

  beforeAll(async () => {
    core = await startTempCore({ SEND_DAILY_LIMIT: String(LIMIT) });
    api = internalApi(core.apiPort);
    alice = await core.addUser("alice@example.test");
    bob = await core.addUser("bob@example.test");
  });
  afterAll(() => core?.destroy());

  it("answers 202 with a new id once spooled; the message reaches Sent and the recipient", async () => {
    const syncs = core.spool.stats().syncs;
    const res = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody({ to: ["bob@example.test"], subject: "Lunch", text: "At noon?" }));
    expect(res.status).toBe(202);
    const sent = (await res.json()) as Reservation;
    expect(sent.duplicate).toBe(false);
    // The 202 came after the spool's sync (the kill -9 test below shows what that is worth).
    expect(core.spool.stats().syncs).toBeGreaterThan(syncs);
    await core.pipeline.idle();
    expect((await listing(alice, "sent")).map((m) => [m.id, m.subject])).toContainEqual([sent.messageId, "Lunch"]);
    expect((await listing(bob, "inbox")).map((m) => m.subject)).toContain("Lunch");
  });

  it("sends once per Idempotency-Key, and refuses the key for another message", async () => {
    const message = { to: ["bob@example.test"], subject: "Once", text: "only once" };
    const first = (await (await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody(message, "key-1"))).json()) as Reservation;
    const again = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody(message, "key-1"));
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ messageId: first.messageId, duplicate: true });
    const other = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody({ ...message, text: "something else" }, "key-1"));
    expect(other.status).toBe(422);
    await core.pipeline.idle();
    expect((await listing(alice, "sent")).filter((m) => m.subject === "Once")).toHaveLength(1);
    expect((await listing(bob, "inbox")).filter((m) => m.subject === "Once")).toHaveLength(1);
  });

  it("refuses a sender address that is not the user's, naming the field", async () => {
    const res = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody({ to: ["bob@example.test"], from: { address: "bob@example.test" }, subject: "Forged", text: "x" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe("from.address");
  });

  it("answers 429 with Retry-After past the daily limit, and spools nothing for it", async () => {
    const before = core.spool.stats().syncs;
    const res = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await sendBody({ to: Array.from({ length: LIMIT }, (_, i) => `r${i}@example.test`), subject: "Too many", text: "x" }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(core.spool.stats().syncs).toBe(before);
  });

  it("is a 404 for a user that does not exist", async () => {
    const res = await api("POST", `/internal/v1/users/0190a5b4-0000-7000-8000-000000000000/outbox/messages`, await sendBody({ to: ["bob@example.test"], subject: "x", text: "x" }));
    expect(res.status).toBe(404);
  });
});

describe("a kill -9 after the 202s", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-send-crash-"));
  let child: Child | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no acknowledged send, and a retry with its key sends nothing new", { timeout: 120_000 }, async () => {
    const config = testConfig(dataDir);
    const directory = await Directory.open(config.directoryUrl);
    const shards = await Shards.open(config.shards);
    await directory.addDomain("example.test");
    const alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    await createUser({ directory, shards }, { address: "bob@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    const apiPort = await freePort();
    const env = { API_PORT: String(apiPort), SMTP_PORT: String(await freePort()), SEND_DAILY_LIMIT: "100000" };
    const api = internalApi(apiPort);
    const request = (n: number) => sendBody({ to: ["bob@example.test"], subject: `crash ${n}`, text: "x".repeat(5000) }, `crash-key-${n}`);

    child = (await startCoreProcess(dataDir, env)).child;
    const acknowledged = new Map<number, string>();
    let killed = false;
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (!killed) {
          const n = next++;
          const res = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await request(n)).catch(() => null);
          if (res?.status !== 202) continue;
          acknowledged.set(n, ((await res.json()) as Reservation).messageId);
          // Killed while other sends are between their reservation and the spool's sync.
          if (acknowledged.size === 40 && !killed) {
            killed = true;
            child!.kill("SIGKILL");
          }
        }
      }),
    );
    await child.exited;

    child = (await startCoreProcess(dataDir, env)).child;
    // Every request again, as a client that never heard back would: the acknowledged ones are duplicates.
    for (let n = 0; n < next; n++) {
      const res = await api("POST", `/internal/v1/users/${alice.id}/outbox/messages`, await request(n));
      expect(res.status).toBe(202);
      const again = (await res.json()) as Reservation;
      if (acknowledged.has(n)) expect(again).toEqual({ messageId: acknowledged.get(n), duplicate: true });
    }
    const shard = shards.get(alice.shard);
    const deadline = Date.now() + 60_000;
    let subjects: string[] = [];
    while (Date.now() < deadline) {
      const rows = await shard.client.execute({ sql: "select subject from messages where user_id = ?", args: [alice.id] });
      subjects = rows.rows.map((r) => String(r.subject));
      if (subjects.length >= next) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const missing = [...acknowledged.keys()].filter((n) => !subjects.includes(`crash ${n}`));
    expect(missing, "acknowledged but never filed").toEqual([]);
    expect(subjects.length - new Set(subjects).size, "filed twice").toBe(0);
    expect(subjects.length).toBe(next);
    shards.close();
    directory.close();
  });
});
