// The pipeline's stages on real libSQL shards, a real queue and a real local R2: a batch's events go
// out once its shards commit, while its pack is still being stored; a pack held at the blob store does
// not hold up the filing of the next batch, and the shards still take the batches in the order they
// were taken (so a user's events come in the order the mail came).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { testConfig } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";
import { createUser } from "../mailbox/accounts.ts";
import { MailboxService } from "../mailbox/service.ts";
import { createLogger, setLogLevel } from "../log.ts";
import type { BlobStore } from "../store/blobs.ts";
import { Directory, type DirectoryUser } from "../store/directory.ts";
import { openLocalR2 } from "../store/local-r2.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import { messages } from "../store/shard-schema.ts";
import { Shards } from "../store/shards.ts";
import type { InboundEntry } from "../spool/entry.ts";
import { MailPipeline, type BatchReport } from "./mail-pipeline.ts";
import { UserScripts } from "./user-scripts.ts";

setLogLevel("silent");
let shards: Shards;
let directory: Directory;
let queue: OutboundQueue;
let r2: BlobStore;
let alice: DirectoryUser;

beforeAll(async () => {
  const config = testConfig(mkdtempSync(path.join(tmpdir(), "mail-pipeline-")));
  shards = await Shards.open(config.shards);
  directory = await Directory.open(config.directoryUrl);
  queue = await OutboundQueue.open(config.queueUrl);
  r2 = await openLocalR2(path.join(config.dataDir, "edge", "v3"));
  await directory.addDomain("example.test");
  alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
});
afterAll(async () => {
  await r2?.close();
  queue?.close();
  shards?.close();
  directory?.close();
});

function entry(subject: string): InboundEntry {
  const raw = Buffer.from(`From: Carol <carol@remote.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${uuidv7()}@remote.test>\r\n\r\nHello.\r\n`);
  return {
    id: uuidv7(),
    receivedAt: Date.now(),
    meta: { kind: "inbound", mailFrom: "carol@remote.test", recipients: [{ address: "alice@example.test", userId: alice.id, shard: alice.shard }], client: { address: "127.0.0.1", helo: "remote.test", tls: false } },
    raw,
  };
}

/** A pipeline on the real stores whose blob store holds each pack's put until the test lets it go
 * (or, with `failPacks`, fails that many pack puts first, at once). */
function heldPipeline(stagedBatches?: number, failPacks = 0) {
  const puts: { key: string; release: () => void }[] = [];
  let failing = failPacks;
  const blobs: BlobStore = {
    has: (key) => r2.has(key),
    get: (key, range) => r2.get(key, range),
    delete: (keys) => r2.delete(keys),
    close: async () => undefined,
    put: async (key, bytes, type) => {
      if (key.endsWith(".pack") && failing > 0) {
        failing--;
        throw new Error("blob store unavailable (test)");
      }
      if (key.endsWith(".pack") && failPacks === 0) await new Promise<void>((release) => puts.push({ key, release }));
      await r2.put(key, bytes, type);
    },
  };
  const published: CoreEvent[] = [];
  const log = createLogger();
  const mailbox = new MailboxService({ shards, directory, blobs, log, publish: (events) => published.push(...events), spamTokens: () => [] });
  const batches: BatchReport[] = [];
  const pipeline = new MailPipeline({
    shards,
    directory,
    queue,
    blobs,
    log,
    mailbox,
    hostname: "mx.example.test",
    queueLifetimeMs: 86_400_000,
    srsSecret: "test srs secret",
    scripts: new UserScripts(),
    recordError: async () => undefined,
    scoreSpam: null,
    scoreOutbound: null,
    stagedBatches,
    onBatch: (report) => batches.push(report),
    onQueued: () => undefined,
  });
  const subjects = () => published.flatMap((e) => (e.type === "message.created" ? [e.data.message.subject] : []));
  const created = () => published.flatMap((e) => (e.type === "message.created" ? [e.data.message] : []));
  return { pipeline, puts, batches, subjects, created };
}

describe("mail pipeline", () => {
  it("files the next batch while one's pack is held at the blob store; puts the packs one after the other and counts the batches filed in the order taken", async () => {
    const { pipeline, puts, batches, subjects } = heldPipeline(4);
    pipeline.start();
    try {
      const first = entry("first");
      pipeline.enqueue(first);
      await until(() => puts.length === 1, "the first batch's pack put");
      const second = entry("second");
      pipeline.enqueue(second);
      // The first batch's pack is still on its way: the second is prepared and filed meanwhile.
      await until(() => subjects().includes("second"), "the second batch filed while the first's pack is held");
      expect(subjects()).toEqual(["first", "second"]);
      // Its pack waits for the first's.
      expect(puts).toHaveLength(1);
      expect(batches).toEqual([]);
      puts[0]!.release();
      await until(() => puts.length === 2, "the second batch's pack put, after the first's");
      puts[1]!.release();
      await until(() => batches.length === 2, "both batches filed");
      expect(batches.map((b) => b.done)).toEqual([[first.id], [second.id]]);
    } finally {
      for (const p of puts) p.release();
      await pipeline.stop();
    }
  });

  it("by default (one staged batch), takes the next once the one before committed, with at most one more pack on its way", async () => {
    const { pipeline, puts, batches, subjects } = heldPipeline();
    pipeline.start();
    try {
      pipeline.enqueue(entry("one"));
      await until(() => puts.length === 1, "the first batch's pack put");
      pipeline.enqueue(entry("two"));
      pipeline.enqueue(entry("three"));
      // The first committed: what came meanwhile goes in one batch, filed while the first's pack is held.
      await until(() => subjects().length === 3, "the second batch's events");
      pipeline.enqueue(entry("four"));
      await new Promise((r) => setTimeout(r, 300));
      // Two batches' packs on their way (the second's put waits for the first's): the next waits.
      expect(subjects()).toEqual(["one", "two", "three"]);
      expect(puts).toHaveLength(1);
      expect(batches).toEqual([]);
      puts[0]!.release();
      await until(() => puts.length === 2, "the second batch's pack put");
      await until(() => subjects().length === 4, "the third batch filed once the first was");
      puts[1]!.release();
      await until(() => puts.length === 3, "the third batch's pack put");
      puts[2]!.release();
      await until(() => batches.length === 3, "all batches filed");
      expect(batches.map((b) => b.done.length)).toEqual([1, 2, 1]);
      expect(subjects()).toEqual(["one", "two", "three", "four"]);
    } finally {
      for (const p of puts) p.release();
      await pipeline.stop();
    }
  });

  it("tells of a batch once its shards commit, while its pack is still being stored; counts it filed only after", async () => {
    const { pipeline, puts, batches, subjects } = heldPipeline();
    pipeline.start();
    try {
      const early = entry("early");
      pipeline.enqueue(early);
      await until(() => puts.length === 1, "the batch's pack put");
      await until(() => subjects().includes("early"), "the event before the pack is stored");
      expect(batches).toEqual([]);
      puts[0]!.release();
      await until(() => batches.length === 1, "the batch filed");
      expect(batches[0]!.done).toEqual([early.id]);
    } finally {
      for (const p of puts) p.release();
      await pipeline.stop();
    }
  });

  it("files a batch again when its pack's put failed after the shards committed: the row points at the pack stored then, and nothing is told twice", async () => {
    const { pipeline, batches, created } = heldPipeline(undefined, 1);
    pipeline.start();
    try {
      const lost = entry("pack lost once");
      pipeline.enqueue(lost);
      await until(() => batches.length === 1, "the batch filed on its second try");
      expect(batches[0]!.done).toEqual([lost.id]);
      expect(created().map((m) => m.subject)).toEqual(["pack lost once"]);
      const [row] = await shards
        .get(alice.shard)
        .db.select({ key: messages.rawKey, offset: messages.rawOffset, length: messages.rawLength })
        .from(messages)
        .where(and(eq(messages.userId, alice.id), eq(messages.messageId, created()[0]!.id)));
      const raw = await r2.get(row!.key, { offset: row!.offset, length: row!.length });
      expect(raw, "the message's raw bytes where its row points").not.toBeNull();
      expect(Buffer.from(raw!).toString()).toContain("Subject: pack lost once");
    } finally {
      await pipeline.stop();
    }
  });
});
