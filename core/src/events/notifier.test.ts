// The notifier against a loopback HTTP receiver that checks every request's signature the way the
// edge will: signed batches, coalescing while a request is in flight, requests side by side that keep
// each user's events in order, retries after a 503 or while nobody listens, and a bounded backlog.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { startEventReceiver, type EventReceiver } from "../../../test/support/event-receiver.ts";
import { TEST_SECRET } from "../../../test/support/temp-core.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { EventNotifier, type NotifierOptions } from "./notifier.ts";

setLogLevel("silent");
let receiver: EventReceiver;
let notifier: EventNotifier | null = null;
const users = [uuidv7(), uuidv7(), uuidv7()];
const folderId = uuidv7();

/** A user's next events, as a change would record them. */
const seqs = new Map<string, number>();
function changes(userId: string, n: number): CoreEvent[] {
  return Array.from({ length: n }, () => {
    const seq = (seqs.get(userId) ?? 0) + 1;
    seqs.set(userId, seq);
    return { userId, seq, at: Date.now(), type: "folder.counts", data: { folders: [{ id: folderId, unread: seq, total: seq }] } };
  });
}

function start(options: Partial<NotifierOptions> = {}): EventNotifier {
  notifier = new EventNotifier({ edge: { url: receiver.url, secret: TEST_SECRET }, region: "eu-test", log: createLogger(), firstRetryMs: 50, maxRetryMs: 200, ...options });
  return notifier;
}

const key = (e: CoreEvent) => `${e.userId}/${e.seq}`;

beforeEach(async () => {
  receiver = await startEventReceiver();
  seqs.clear();
});
afterEach(async () => {
  await notifier?.stop();
  notifier = null;
  await receiver.stop();
});

describe("event notifier", () => {
  it("posts signed batches to /internal/v1/events with the region", async () => {
    const n = start();
    const events = changes(users[0]!, 3);
    n.publish(events);
    // The receiver records a request before answering it; the notifier counts once it has the answer.
    await receiver.until(() => n.stats.pushed === 3);
    expect(receiver.pushes).toEqual([{ method: "POST", path: "/internal/v1/events", signature: "ok", status: 200, body: { region: "eu-test", events } }]);
    expect(n.stats).toEqual({ pushed: 3, failures: 0, dropped: 0, backlog: 0 });
  });

  it("coalesces what arrives while a request is in flight, at most 5000 events a request", async () => {
    receiver.delay(200);
    // One request at a time: every user's events wait for the one in flight.
    const n = start({ requests: 1 });
    n.publish(changes(users[0]!, 1));
    // Many small publications while the first request is held: they travel together.
    for (let i = 0; i < 600; i++) n.publish([...changes(users[i % 3]!, 10)]);
    await receiver.until(() => receiver.accepted().length === 6001);
    expect(receiver.pushes.map((p) => p.body.events.length)).toEqual([1, 5000, 1000]);
    // Within a request each user's events are in seq order, and nothing is sent twice.
    for (const push of receiver.pushes) {
      for (const user of users) {
        const s = push.body.events.filter((e) => e.userId === user).map((e) => e.seq);
        expect(s).toEqual([...s].sort((a, b) => a - b));
      }
    }
    expect(new Set(receiver.accepted().map(key)).size).toBe(6001);
  });

  it("pushes another user's events while a request is in flight, each user's in order and one request at a time", async () => {
    receiver.delay(300);
    const n = start({ requests: 2 });
    const [a, b] = users as [string, string];
    n.publish(changes(a, 2));
    n.publish(changes(b, 2));
    // b's events need not wait for a's request: both arrive within the first one's 300 ms.
    await receiver.until(() => receiver.pushes.length === 2, 250);
    // a is busy: these wait for its answer and go in its next request, not beside its first.
    n.publish(changes(a, 3));
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.pushes).toHaveLength(2);
    await receiver.until(() => n.stats.pushed === 7);
    const who = (e: CoreEvent) => (e.userId === a ? "a" : "b");
    expect(receiver.pushes.map((p) => p.body.events.map(who).join(""))).toEqual(["aa", "bb", "aaa"]);
    for (const user of [a, b]) {
      const s = receiver.accepted().filter((e) => e.userId === user).map((e) => e.seq);
      expect(s).toEqual(Array.from({ length: s.length }, (_, i) => s[0]! + i));
    }
  });

  it("sends a busy user's events only after its request ends, while others' go beside it", async () => {
    receiver.delay(200);
    const n = start({ requests: 2 });
    const [a, b] = users as [string, string];
    n.publish(changes(a, 1));
    await receiver.until(() => receiver.pushes.length === 1);
    // a is busy: a's second event stays; b's goes in a request of its own beside a's.
    n.publish([...changes(a, 1), ...changes(b, 1)]);
    await receiver.until(() => receiver.pushes.length === 2, 150);
    expect(receiver.pushes[1]!.body.events.map((e) => e.userId)).toEqual([b]);
    await receiver.until(() => n.stats.pushed === 3);
    expect(receiver.pushes.map((p) => p.body.events.map((e) => `${e.userId === a ? "a" : "b"}${e.seq}`))).toEqual([["a1"], ["b1"], ["a2"]]);
  });

  it("keeps a batch the edge refuses (503) and retries it with backoff, in order", async () => {
    receiver.answer(503);
    const n = start();
    const events = changes(users[1]!, 5);
    n.publish(events);
    await receiver.until(() => n.stats.failures >= 3);
    expect(receiver.accepted()).toEqual([]);
    expect(receiver.pushes.length).toBeGreaterThanOrEqual(3);
    expect(n.stats.backlog).toBe(5);
    const more = changes(users[1]!, 2);
    n.publish(more);
    receiver.answer(200);
    await receiver.until(() => n.stats.pushed === 7);
    expect(receiver.accepted()).toEqual([...events, ...more]);
    expect(n.stats).toMatchObject({ pushed: 7, backlog: 0 });
    expect(receiver.pushes.every((p) => p.signature === "ok")).toBe(true);
  });

  it("retries while nobody listens, and delivers once the edge is back on its port", async () => {
    await receiver.stop();
    const n = start();
    const events = changes(users[2]!, 4);
    n.publish(events);
    await new Promise((r) => setTimeout(r, 400));
    expect(n.stats.failures).toBeGreaterThanOrEqual(2);
    await receiver.restart();
    await receiver.until(() => receiver.accepted().length === 4);
    expect(receiver.accepted()).toEqual(events);
  });

  it("bounds its backlog by dropping the oldest events", async () => {
    receiver.answer(503);
    const n = start({ maxBacklog: 100 });
    const events = changes(users[0]!, 250);
    for (let i = 0; i < 250; i += 10) n.publish(events.slice(i, i + 10));
    await receiver.until(() => n.stats.dropped === 150);
    receiver.answer(200);
    await receiver.until(() => n.stats.pushed === 100);
    expect(receiver.accepted()).toEqual(events.slice(150));
    expect(n.stats).toMatchObject({ pushed: 100, dropped: 150, backlog: 0 });
  });

  it("stops at once, even while waiting to retry", async () => {
    receiver.answer(503);
    const n = start({ firstRetryMs: 60_000 });
    n.publish(changes(users[0]!, 1));
    await receiver.until(() => receiver.pushes.length === 1);
    const t0 = Date.now();
    await n.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    n.publish(changes(users[0]!, 1));
    expect(n.stats.backlog).toBe(1);
  });

  it("drops a batch the edge refuses as malformed (400) instead of blocking every later event", async () => {
    const n = start();
    receiver.answer(400);
    n.publish(changes(users[0]!, 2));
    await receiver.until(() => n.stats.dropped === 2);
    receiver.answer(200);
    const later = changes(users[1]!, 1);
    n.publish(later);
    await receiver.until(() => n.stats.pushed === 1);
    expect(receiver.accepted()).toEqual(later);
    expect(n.stats.failures).toBe(0);
  });
});
