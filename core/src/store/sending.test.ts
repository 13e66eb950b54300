// Send reservations on a real shard file: reservations that arrive together share a transaction, and
// each is still decided on its own against the daily limit, in the order they came.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuotaExceededError, reserveSend, utcDay } from "./sending.ts";
import { Shards } from "./shards.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("sending-");
let shards: Shards;
const shard = () => shards.get("s0");
const now = Date.UTC(2026, 11, 7, 23, 59, 0);
const LIMIT = 5;
const reserve = (userId: string, recipients: number, at = now, idempotencyKey?: string) =>
  reserveSend(shard(), userId, { requestHash: `h${recipients}`, recipients, ...(idempotencyKey ? { idempotencyKey } : {}) }, LIMIT, at).then(
    (r) => r,
    (err: unknown) => (err instanceof QuotaExceededError ? "over" : Promise.reject(err)),
  );
const counted = async (userId: string, at = now) =>
  Number((await shard().client.execute({ sql: "SELECT recipients FROM send_counters WHERE user_id = ? AND day = ?", args: [userId, utcDay(at)] })).rows[0]?.recipients ?? 0);

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("send reservations", () => {
  it("decide each of a batch against the limit in turn: one refused, the others counted", async () => {
    const answers = await Promise.all([reserve("alice", 2), reserve("alice", 2), reserve("bob", 3), reserve("alice", 2), reserve("alice", 1)]);
    expect(answers.map((a) => (a === "over" ? a : "ok"))).toEqual(["ok", "ok", "ok", "over", "ok"]);
    const ids = answers.filter((a) => a !== "over").map((a) => a.messageId);
    expect(new Set(ids).size).toBe(4);
    expect(await counted("alice")).toBe(5);
    expect(await counted("bob")).toBe(3);
    // Later batches start from what committed; a new UTC day from nothing.
    expect(await Promise.all([reserve("alice", 1), reserve("bob", 2), reserve("bob", 1)])).toEqual(["over", expect.objectContaining({ duplicate: false }), "over"]);
    expect(await reserve("alice", 5, now + 60_000)).toMatchObject({ duplicate: false });
    expect(await counted("alice", now + 60_000)).toBe(5);
  });

  it("wait for a transaction that holds the shard (the pipeline's filing), without holding up this thread", async () => {
    const filing = await shard().client.transaction("write");
    await filing.execute("UPDATE send_counters SET recipients = recipients WHERE 0");
    let settled = false;
    const reservation = reserve("dora", 1).then((r) => ((settled = true), r));
    let turns = 0;
    const started = Date.now();
    while (Date.now() - started < 40) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(settled).toBe(false);
    // The event loop kept turning meanwhile (each busy answer comes back at once).
    expect(turns).toBeGreaterThan(20);
    await filing.commit();
    expect(await reservation).toMatchObject({ duplicate: false });
    expect(await counted("dora")).toBe(1);
  });

  it("keep an Idempotency-Key's reservation apart: the same key answers with the same message", async () => {
    const first = await reserve("carol", 1, now, "key-1");
    const [again, plain] = await Promise.all([reserve("carol", 1, now, "key-1"), reserve("carol", 1)]);
    expect(again).toEqual({ messageId: (first as { messageId: string }).messageId, duplicate: true });
    expect(plain).toMatchObject({ duplicate: false });
    expect(await counted("carol")).toBe(2);
  });
});
