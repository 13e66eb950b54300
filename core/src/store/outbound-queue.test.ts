// The delivery queue's group-committed outcomes on a real libSQL file: each recorded outcome lands
// on its own row, whatever else shares its commit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboundQueue, type NewDelivery } from "./outbound-queue.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("queue-");
let queue: OutboundQueue;
const t0 = Date.UTC(2026, 11, 7, 12, 0, 0);

const row = (n: number): NewDelivery => ({
  id: `d${n}`,
  messageId: `m${n}`,
  userId: "u1",
  sender: "alice@example.test",
  recipient: `r${n}@remote.test`,
  domain: "remote.test",
  nextAttemptAt: t0,
  createdAt: t0,
  expiresAt: t0 + 86_400_000,
  rawKey: "raw/pack",
  rawOffset: n * 100,
  rawLength: 100,
});

beforeAll(async () => {
  queue = await OutboundQueue.open((await databases.open("queue")).url);
});
afterAll(async () => {
  queue.close();
  await databases.close();
});

describe("enqueue", () => {
  it("adds each recipient once, as given, and leaves one already queued as it is", async () => {
    await queue.enqueue([row(100), row(101)]);
    await queue.enqueue([{ ...row(101), rawOffset: 999 }, row(102)]);
    const got = (await queue.list()).filter((d) => Number(d.id.slice(1)) >= 100).sort((a, b) => a.id.localeCompare(b.id));
    expect(got.map((d) => ({ id: d.id, state: d.state, attempts: d.attempts, offset: d.rawOffset }))).toEqual([
      { id: "d100", state: "queued", attempts: 0, offset: 10_000 },
      { id: "d101", state: "queued", attempts: 0, offset: 10_100 },
      { id: "d102", state: "queued", attempts: 0, offset: 10_200 },
    ]);
    const { state: _s, attempts: _a, lastReply, lastHost, updatedAt, ...rest } = got[0]!;
    expect(rest).toEqual(row(100));
    expect({ lastReply, lastHost, updatedAtIsNumber: typeof updatedAt === "number" }).toEqual({ lastReply: null, lastHost: null, updatedAtIsNumber: true });
    // The same message and recipient under another id is the same delivery.
    await queue.enqueue([{ ...row(103), messageId: "m100", recipient: "r100@remote.test" }]);
    expect(await queue.get("d103")).toBeNull();
    await queue.claimDue(t0, 100);
  });
});

describe("outcomes", () => {
  it("commit together, each on its own row: state, reply, host, next attempt and attempts", async () => {
    await queue.enqueue([1, 2, 3, 4].map(row));
    expect(await queue.claimDue(t0, 10)).toHaveLength(4);
    const later = t0 + 1000;
    await Promise.all([
      queue.record("d1", { state: "delivered", reply: "250 2.0.0 queued as A", host: "mx.remote.test", attempted: true }, later),
      queue.record("d2", { state: "deferred", reply: "451 4.3.0 try again", host: "mx.remote.test", nextAttemptAt: later + 60_000, attempted: true }, later),
      queue.record("d3", { state: "bounced", reply: "x".repeat(3000), host: null, attempted: true }, later),
      // Expired without an attempt: the count stays, and so does the next attempt's time.
      queue.record("d4", { state: "bounced", reply: "expired: 451 it's 'quoted' \"twice\"", host: "mx.remote.test", attempted: false }, later),
    ]);
    const get = async (id: string) => {
      const r = (await queue.get(id))!;
      return { state: r.state, reply: r.lastReply, host: r.lastHost, next: r.nextAttemptAt, attempts: r.attempts, updatedAt: r.updatedAt };
    };
    expect(await get("d1")).toEqual({ state: "delivered", reply: "250 2.0.0 queued as A", host: "mx.remote.test", next: t0, attempts: 1, updatedAt: later });
    expect(await get("d2")).toEqual({ state: "deferred", reply: "451 4.3.0 try again", host: "mx.remote.test", next: later + 60_000, attempts: 1, updatedAt: later });
    expect(await get("d3")).toEqual({ state: "bounced", reply: "x".repeat(2000), host: null, next: t0, attempts: 1, updatedAt: later });
    expect(await get("d4")).toEqual({ state: "bounced", reply: "expired: 451 it's 'quoted' \"twice\"", host: "mx.remote.test", next: t0, attempts: 0, updatedAt: later });
    // Deferred rows come due again at their next attempt, the others never.
    expect((await queue.claimDue(later + 60_000, 10)).map((d) => d.id)).toEqual(["d2"]);
  });

  it("apply one row's outcomes in the order recorded when they share a commit", async () => {
    await queue.enqueue([row(5)]);
    await queue.claimDue(t0, 10);
    await Promise.all([
      queue.record("d5", { state: "deferred", reply: "first", host: null, nextAttemptAt: t0 + 5, attempted: true }, t0 + 1),
      queue.record("d5", { state: "delivered", reply: "second", host: "mx.remote.test", attempted: true }, t0 + 2),
    ]);
    expect(await queue.get("d5")).toMatchObject({ state: "delivered", lastReply: "second", attempts: 2, nextAttemptAt: t0 + 5, updatedAt: t0 + 2 });
  });
});
