// The delivery agent against a real SMTP server on loopback, on a clock the test moves: retries
// follow the backoff schedule without any waiting.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../../test/support/process.ts";
import { startSmtpSink, type SmtpSink } from "../../../../test/support/smtp-sink.ts";
import { testConfig } from "../../../../test/support/temp-core.ts";
import { createUser } from "../../mailbox/accounts.ts";
import { createResolver } from "../../dns.ts";
import { createLogger, setLogLevel } from "../../log.ts";
import { MailboxService } from "../../mailbox/service.ts";
import { FIRST_RETRY_MS, MAX_RETRY_MS } from "../../outbound-queue/retry.ts";
import { dsnFiler } from "../../pipeline/file-dsn.ts";
import type { BlobStore } from "../../store/blobs.ts";
import { Directory, type DirectoryUser } from "../../store/directory.ts";
import { openLocalR2 } from "../../store/local-r2.ts";
import { listMessages, getMessage } from "../../store/mailbox.ts";
import { OutboundQueue } from "../../store/outbound-queue.ts";
import { Shards } from "../../store/shards.ts";
import { DeliveryRunner } from "./delivery-runner.ts";

setLogLevel("silent");
const LIFETIME = 5 * 86_400_000;
let sink: SmtpSink;
let queue: OutboundQueue;
let blobs: BlobStore;
let shards: Shards;
let directory: Directory;
let alice: DirectoryUser;
let runner: DeliveryRunner;
let now = Date.UTC(2026, 10, 24, 12, 0, 0);
let seq = 0;

const raw = (subject: string) => Buffer.from(`From: alice@example.test\r\nTo: someone@remote.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}@example.test>\r\n\r\nHello.\r\n`);

async function queueMessage(recipients: string[], subject: string) {
  const bytes = raw(subject);
  const key = `raw/test/${++seq}.eml`;
  await blobs.put(key, bytes);
  const messageId = `01900000-0000-7000-8000-${String(seq).padStart(12, "0")}`;
  await queue.enqueue(
    recipients.map((recipient, i) => ({
      id: `${messageId}-${i}`,
      messageId,
      userId: alice.id,
      sender: alice.address,
      recipient,
      domain: recipient.split("@")[1]!,
      nextAttemptAt: now,
      createdAt: now,
      expiresAt: now + LIFETIME,
      rawKey: key,
      rawOffset: 0,
      rawLength: bytes.length,
    })),
  );
  return messageId;
}

const rowsOf = async (messageId: string) => (await queue.list()).filter((r) => r.messageId === messageId);

async function inboxOfAlice() {
  return (await listMessages(shards.get(alice.shard), alice.id, "inbox", { limit: 50 })).messages;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  const dead = await freePort(); // nothing listens there
  const config = testConfig(mkdtempSync(path.join(tmpdir(), "delivery-")));
  queue = await OutboundQueue.open(config.queueUrl);
  blobs = await openLocalR2(path.join(config.dataDir, "edge", "v3"));
  shards = await Shards.open(config.shards);
  directory = await Directory.open(config.directoryUrl);
  await directory.addDomain("example.test");
  alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
  runner = new DeliveryRunner({
    queue,
    blobs,
    returnToSender: dsnFiler({ blobs, directory, mailbox: new MailboxService({ shards, directory, blobs, log: createLogger(), publish: () => {}, spamTokens: () => [] }), hostname: "mx.example.test", clock: () => now }),
    resolver: createResolver(["127.0.0.1:9"]), // never asked: every domain here is in the transport map
    routing: {
      transportMap: new Map([
        ["remote.test", { host: "127.0.0.1", port: sink.port }],
        ["dead.test", { host: "127.0.0.1", port: dead }],
      ]),
      smartHost: null,
      allowPrivateMx: false,
    },
    hostname: "mx.example.test",
    log: createLogger(),
    clock: () => now,
    random: () => 0.5, // no jitter: the schedule is exact
    timeoutMs: 5000,
  });
});

afterAll(async () => {
  await sink?.close();
  await blobs?.close();
  queue?.close();
  shards?.close();
  directory?.close();
});

describe("delivery agent", () => {
  it("delivers to every recipient of a domain in one transaction", async () => {
    const id = await queueMessage(["ok1@remote.test", "ok2@remote.test"], "two at once");
    await runner.runDue(now);
    expect((await rowsOf(id)).map((r) => r.state)).toEqual(["delivered", "delivered"]);
    const got = sink.messages.filter((m) => m.raw.toString().includes("two at once"));
    expect(got).toHaveLength(1);
    expect(got[0]!.to.sort()).toEqual(["ok1@remote.test", "ok2@remote.test"]);
    expect(got[0]!.from).toBe("alice@example.test");
    expect((await rowsOf(id))[0]!.lastReply).toContain("250 2.0.0 Ok: sunk");
  });

  it("retries a 451 on the backoff schedule and then delivers", async () => {
    const id = await queueMessage(["busy1@remote.test"], "try again");
    await runner.runDue(now);
    let [row] = await rowsOf(id);
    expect(row).toMatchObject({ state: "deferred", attempts: 1 });
    expect(row!.lastReply).toContain("451 4.3.0 try again later");
    expect(row!.nextAttemptAt).toBe(now + FIRST_RETRY_MS);
    now += 60_000;
    expect(await runner.runDue(now)).toBe(0); // not due yet
    now = row!.nextAttemptAt;
    await runner.runDue(now);
    [row] = await rowsOf(id);
    expect(row).toMatchObject({ state: "delivered", attempts: 2 });
    expect(sink.messages.filter((m) => m.raw.toString().includes("try again"))).toHaveLength(1);
  });

  it("bounces a 550 at once and tells the sender with a DSN naming the recipient and the reply", async () => {
    const id = await queueMessage(["ok3@remote.test", "gone1@remote.test"], "partly wrong");
    await runner.runDue(now);
    expect((await rowsOf(id)).map((r) => [r.recipient, r.state])).toEqual([
      ["ok3@remote.test", "delivered"],
      ["gone1@remote.test", "bounced"],
    ]);
    const dsn = (await inboxOfAlice()).find((m) => m.subject === "Undelivered Mail Returned to Sender")!;
    const full = await getMessage(shards.get(alice.shard), alice.id, dsn.id);
    expect(full.text).toContain("gone1@remote.test");
    expect(full.text).toContain("550 5.1.1 no such user here");
    expect(full.text).not.toContain("ok3@remote.test");
  });

  it("defers an unreachable host with growing waits, then bounces when the message expires", async () => {
    const start = now;
    const id = await queueMessage(["someone@dead.test"], "never arrives");
    const waits: number[] = [];
    for (;;) {
      await runner.runDue(now);
      const [row] = await rowsOf(id);
      if (row!.state !== "deferred") break;
      expect(row!.lastReply).toMatch(/ECONNREFUSED|connect/i);
      waits.push(row!.nextAttemptAt - now);
      now = row!.nextAttemptAt;
    }
    expect(waits.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160].map((m) => m * 60_000));
    expect(Math.max(...waits)).toBe(MAX_RETRY_MS);
    const [row] = await rowsOf(id);
    expect(row!.state).toBe("bounced");
    expect(now).toBeGreaterThanOrEqual(start + LIFETIME);
    const dsn = (await inboxOfAlice()).filter((m) => m.subject === "Undelivered Mail Returned to Sender");
    const texts = await Promise.all(dsn.map(async (m) => (await getMessage(shards.get(alice.shard), alice.id, m.id)).text ?? ""));
    expect(texts.some((t) => t.includes("someone@dead.test") && t.includes("until the message expired"))).toBe(true);
  });

  it("forgets finished recipients after a week, never waiting ones", async () => {
    const before = (await queue.list()).length;
    const waiting = (await queue.list()).filter((r) => r.state === "queued" || r.state === "deferred").length;
    expect(await queue.prune(now + 1, now + 1)).toBe(before - waiting);
    expect((await queue.list()).every((r) => r.state === "queued" || r.state === "deferred")).toBe(true);
  });

  it("sends to one destination over parallel connections, no more than its limit, and reuses them", async () => {
    const busy = await startSmtpSink();
    const limited = new DeliveryRunner({
      queue,
      blobs,
      returnToSender: async () => {},
      resolver: createResolver(["127.0.0.1:9"]),
      routing: { transportMap: new Map([["parallel.test", { host: "127.0.0.1", port: busy.port }]]), smartHost: null, allowPrivateMx: false },
      hostname: "mx.example.test",
      log: createLogger(),
      clock: () => now,
      concurrency: 10,
      destinationConcurrency: 3,
      timeoutMs: 5000,
    });
    try {
      // Each transaction takes a while at the remote end, so the agent has every reason to open more.
      busy.setDataDelay(100);
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push(await queueMessage([`p${i}@parallel.test`], `parallel ${i}`));
      expect(await limited.runDue(now)).toBe(12);
      expect(busy.messages).toHaveLength(12);
      expect(busy.connections.maxOpen).toBe(3);
      // 12 messages over those 3 connections, each carrying several.
      expect(busy.connections.opened).toBe(3);
      expect(limited.connectionStats).toMatchObject({ opened: 3, reused: 9 });
      for (const id of ids) expect((await rowsOf(id))[0]!.state).toBe("delivered");
    } finally {
      await limited.stop();
      await busy.close();
    }
  });

  it("puts recipients left in flight by a crashed run back in the queue", async () => {
    const id = await queueMessage(["ok4@remote.test"], "left in flight");
    await queue.claimDue(now, 10); // as if a run took it and died
    expect((await rowsOf(id))[0]!.state).toBe("sending");
    await runner.start();
    await runner.stop();
    expect((await rowsOf(id))[0]!.state).not.toBe("sending");
  });
});
