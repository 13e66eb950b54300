// The blob sweep on real libSQL shard files and both real bucket backends (the local R2 emulator's
// gateway, and S3 as s3rver speaks it): a pack shared by several users and shards keeps exactly the
// ranges still pointed at, in a new pack its rows are repointed to, and the old pack goes; a pack
// nobody reads goes whole; young, queued and concurrently refiled packs are kept; an attachment goes
// only when no row of any shard names it; and mail deleted for good (from Trash, or a whole mailbox)
// has its bytes swept by the hourly retention sweep once its pack is old enough.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testFiling } from "../../../../test/support/filing.ts";
import { startS3Server, type TestS3Server } from "../../../../test/support/s3-server.ts";
import { uuidv7 } from "../../../../shared/ids.ts";
import { attachmentKey, type BlobStore } from "../blobs.ts";
import { fileMessages } from "../filing.ts";
import { openLocalR2 } from "../local-r2.ts";
import { createMailbox, deleteMailbox, deleteMessages } from "../mailbox.ts";
import { OutboundQueue } from "../outbound-queue.ts";
import { Retention } from "../retention.ts";
import { createLogger, setLogLevel } from "../../log.ts";
import { s3BlobStore } from "../s3-blobs.ts";
import { Shards, type ShardDatabase } from "../shards.ts";
import { removeUnreferencedAttachments } from "./attachments.ts";
import { compactPacks, PACK_SAFETY_AGE_MS } from "./compact-packs.ts";
import { sweepGarbage } from "./garbage.ts";

setLogLevel("silent");
const dir = mkdtempSync(path.join(tmpdir(), "edgemail-blob-gc-"));
let shards: Shards;
let s3: TestS3Server;
let queue: OutboundQueue;
const stores: Record<string, BlobStore> = {};

beforeAll(async () => {
  shards = await Shards.open(["a", "b"].map((name) => ({ name, url: `file:${path.join(dir, `${name}.db`)}` })));
  s3 = await startS3Server();
  stores.s3 = s3BlobStore({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: "auto" });
  stores.local = await openLocalR2(path.join(dir, "r2"));
  queue = await OutboundQueue.open(`file:${path.join(dir, "queue.db")}`);
}, 60_000);

afterAll(async () => {
  queue?.close();
  shards.close();
  await Promise.all([...Object.values(stores).map((s) => s.close()), s3?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const text = (b: Uint8Array | null) => (b ? Buffer.from(b).toString() : null);
const all = () => shards.names.map((n) => shards.get(n));

/** A pack of `parts` (written `age` ms ago), each part's message filed for the user named beside it. */
async function packOf(blobs: BlobStore, parts: [ShardDatabase, string, string][], age = 0) {
  const bytes = parts.map(([, , s]) => Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`));
  const key = `raw/2026-12-01/${uuidv7(Date.now() - age)}.pack`;
  await blobs.put(key, Buffer.concat(bytes));
  const filings = parts.map(([shard, user, s], i) => ({ shard, f: testFiling(user, s, { raw: { key, offset: bytes.slice(0, i).reduce((n, b) => n + b.length, 0), length: bytes[i]!.length } }) }));
  for (const shard of new Set(parts.map(([s]) => s))) await fileMessages(shard, filings.filter((x) => x.shard === shard).map((x) => x.f));
  return { key, messageIds: filings.map((x) => x.f.messageId) };
}

async function user(shard: ShardDatabase): Promise<string> {
  const id = uuidv7();
  await createMailbox(shard, { userId: id, address: `${id}@example.test`, quotaBytes: 10_000_000 });
  return id;
}

/** The raw bytes of a message, read as the mailbox reads them: through its row. */
async function rawOf(shard: ShardDatabase, blobs: BlobStore, userId: string, messageId: string) {
  const r = (await shard.client.execute({ sql: "SELECT raw_key, raw_offset, raw_length FROM messages WHERE user_id = ? AND message_id = ?", args: [userId, messageId] })).rows[0]!;
  return { key: String(r.raw_key), text: text(await blobs.get(String(r.raw_key), { offset: Number(r.raw_offset), length: Number(r.raw_length) })) };
}

const removeUser = (shard: ShardDatabase, userId: string) =>
  shard.client.batch([
    { sql: "DELETE FROM messages WHERE user_id = ?", args: [userId] },
    { sql: "DELETE FROM attachments WHERE user_id = ?", args: [userId] },
  ]);

describe.each(["local", "s3"])("blob sweep on the %s bucket", (backend) => {
  const blobs = () => stores[backend]!;

  it("deletes blobs, and a key that is not there is no error", async () => {
    await blobs().put("gc/one", Buffer.from("1"));
    await blobs().put("gc/two", Buffer.from("2"));
    await blobs().delete(["gc/one", "gc/never-there"]);
    await blobs().delete([]);
    expect(await blobs().has("gc/one")).toBe(false);
    expect(await blobs().get("gc/one")).toBeNull();
    expect(text(await blobs().get("gc/two"))).toBe("2");
  });

  it("rewrites a shared pack with only the ranges still pointed at, across shards, and deletes the old one", async () => {
    const [a, b] = [shards.get("a"), shards.get("b")];
    const [alice, carol, bob] = [await user(a), await user(a), await user(b)];
    const { key, messageIds } = await packOf(blobs(), [
      [a, alice, "alice secret 9e4a"],
      [b, bob, "bob keeps this"],
      [a, alice, "alice again 9e4a"],
      [a, carol, "carol keeps this"],
    ]);
    await removeUser(a, alice);

    const r = await compactPacks([key], { shards: all(), blobs: blobs() }, { named: true });
    expect(r.deleted).toEqual([key]);
    expect(r.kept).toEqual([]);
    expect(r.rewritten).toHaveLength(1);
    expect(r.rewritten[0]).toMatchObject({ from: key, ranges: 2 });
    expect(await blobs().has(key)).toBe(false);
    const fresh = text(await blobs().get(r.rewritten[0]!.to))!;
    expect(fresh).not.toContain("9e4a");
    expect(fresh).toContain("bob keeps this");
    expect(await rawOf(b, blobs(), bob, messageIds[1]!)).toEqual({ key: r.rewritten[0]!.to, text: "Subject: bob keeps this\r\n\r\nbob keeps this\r\n" });
    expect(await rawOf(a, blobs(), carol, messageIds[3]!)).toEqual({ key: r.rewritten[0]!.to, text: "Subject: carol keeps this\r\n\r\ncarol keeps this\r\n" });
  });

  it("deletes a pack nobody reads, keeps a young one unless named, and one an outbound delivery still reads", async () => {
    const a = shards.get("a");
    const dave = await user(a);
    const old = await packOf(blobs(), [[a, dave, "old"]], PACK_SAFETY_AGE_MS + 60_000);
    const young = await packOf(blobs(), [[a, dave, "young"]]);
    const queued = await packOf(blobs(), [[a, dave, "queued"]], PACK_SAFETY_AGE_MS + 60_000);
    await removeUser(a, dave);

    const deps = { shards: all(), blobs: blobs(), queued: async (keys: string[]) => new Set(keys.filter((k) => k === queued.key)) };
    const swept = await compactPacks([old.key, young.key, queued.key, "raw/dsn/not-a-time.eml"], deps);
    expect(swept.deleted).toEqual([old.key]);
    expect(swept.kept).toEqual([
      { key: young.key, reason: "young" },
      { key: queued.key, reason: "queued" },
      { key: "raw/dsn/not-a-time.eml", reason: "young" },
    ]);
    expect(await blobs().has(old.key)).toBe(false);
    expect(await blobs().has(young.key)).toBe(true);
    expect(await blobs().has(queued.key)).toBe(true);
    // Named by a move, the young pack goes at once.
    expect((await compactPacks([young.key], { shards: all(), blobs: blobs() }, { named: true })).deleted).toEqual([young.key]);
    expect(await blobs().has(young.key)).toBe(false);
  });

  it("keeps the old pack when a row comes to point into it while it is compacted (a refiling)", async () => {
    const a = shards.get("a");
    const [erin, frank] = [await user(a), await user(a)];
    const { key, messageIds } = await packOf(blobs(), [
      [a, erin, "erin stays"],
      [a, frank, "frank leaves"],
    ]);
    await removeUser(a, frank);
    // A refiling of frank's message lands between the sweep's read of the rows and its check after the
    // repointing: it is told apart by the row it leaves pointing at the old pack.
    const refiled = testFiling(frank, "frank refiled", { raw: { key, offset: 0, length: 10 } });
    const store = blobs();
    const racing: BlobStore = {
      ...store,
      put: async (k, bytes, type) => {
        await store.put(k, bytes, type);
        await fileMessages(a, [refiled]);
      },
      get: (k, range) => store.get(k, range),
      has: (k) => store.has(k),
      delete: (keys) => store.delete(keys),
    };
    const r = await compactPacks([key], { shards: all(), blobs: racing }, { named: true });
    expect(r.kept).toEqual([{ key, reason: "changed" }]);
    expect(r.deleted).toEqual([]);
    expect(await store.has(key)).toBe(true);
    expect((await rawOf(a, store, erin, messageIds[0]!)).key).toBe(r.rewritten[0]!.to);
    expect(await rawOf(a, store, frank, refiled.messageId)).toEqual({ key, text: "Subject: e" });
  });

  it("deletes an attachment only when no row of any shard names it", async () => {
    const [a, b] = [shards.get("a"), shards.get("b")];
    const [gina, hank] = [await user(a), await user(b)];
    const shared = attachmentKey(`${backend}-shared-${uuidv7()}`);
    const own = attachmentKey(`${backend}-own-${uuidv7()}`);
    for (const k of [shared, own]) await blobs().put(k, Buffer.from(k));
    const file = (blobKey: string) => ({ attachmentId: "1", filename: "f.txt", contentType: "text/plain", disposition: "attachment" as const, contentId: null, size: 10, blobKey, text: "" });
    await fileMessages(a, [testFiling(gina, "two files", { attachments: [file(shared), { ...file(own), attachmentId: "2" }] })]);
    await fileMessages(b, [testFiling(hank, "one file", { attachments: [file(shared)] })]);
    await removeUser(a, gina);

    const r = await removeUnreferencedAttachments([shared, own, own], { shards: all(), blobs: blobs() });
    expect(r).toEqual({ deleted: [own], kept: [shared] });
    expect(await blobs().has(own)).toBe(false);
    expect(await blobs().has(shared)).toBe(true);
  });

  it("sweeps the bytes of mail deleted for good from Trash and of a deleted mailbox, hourly, once the pack is old enough", async () => {
    const [a, b] = [shards.get("a"), shards.get("b")];
    const [ivy, jack, kim] = [await user(a), await user(b), await user(a)];
    const { key, messageIds } = await packOf(blobs(), [
      [a, ivy, "ivy deletes this 51c7"],
      [b, jack, "jack keeps this"],
      [a, ivy, "ivy keeps this"],
    ]);
    const gone = await packOf(blobs(), [[a, kim, "kim's mailbox goes"]]);
    const file = attachmentKey(`${backend}-deleted-${uuidv7()}`);
    await blobs().put(file, Buffer.from("a file ivy deletes"));
    const withFile = testFiling(ivy, "with a file", { raw: { key, offset: 0, length: 5 }, attachments: [{ attachmentId: "1", filename: "f.txt", contentType: "text/plain", disposition: "attachment", contentId: null, size: 18, blobKey: file, text: "" }] });
    await fileMessages(a, [withFile]);
    // Delete: to Trash, then for good.
    for (let i = 0; i < 2; i++) await deleteMessages(a, ivy, [messageIds[0]!, withFile.messageId]);
    await deleteMailbox(a, kim);

    const HOUR = 3_600_000;
    const retention = new Retention({ queue, shards, eventRetentionMs: 48 * HOUR, log: createLogger(), blobs: { store: blobs(), queueLifetimeMs: 5 * 24 * HOUR } });
    // Within the queue's lifetime a delivery may still read the pack: nothing goes yet.
    expect((await retention.sweep(Date.now() + HOUR)).blobs).toMatchObject({ packsDeleted: 0, packsRewritten: 0, attachmentsDeleted: 1 });
    expect(await blobs().has(file)).toBe(false);
    expect(await blobs().has(key)).toBe(true);
    const swept = (await retention.sweep(Date.now() + 5 * 24 * HOUR + 2 * HOUR)).blobs!;
    expect(swept).toMatchObject({ packsDeleted: 2, packsRewritten: 1, kept: 0 });
    expect(await blobs().has(key)).toBe(false);
    expect(await blobs().has(gone.key)).toBe(false);
    expect(text((await blobs().get((await rawOf(a, blobs(), ivy, messageIds[2]!)).key)))).not.toContain("51c7");
    expect((await rawOf(b, blobs(), jack, messageIds[1]!)).text).toContain("jack keeps this");
    expect((await rawOf(a, blobs(), ivy, messageIds[2]!)).text).toContain("ivy keeps this");
    // Done: nothing is left noted.
    for (const shard of [a, b]) expect((await shard.client.execute("SELECT count(*) FROM blob_garbage")).rows[0]![0]).toBe(0);
    expect(await sweepGarbage({ shards: all(), blobs: blobs() }, { now: Date.now() + 6 * 24 * HOUR, minPackAgeMs: HOUR })).toEqual({ packsDeleted: 0, packsRewritten: 0, attachmentsDeleted: 0, kept: 0 });
  });
});
