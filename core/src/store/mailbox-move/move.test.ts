// The mover on real libSQL files and real S3 buckets (one per "region"): a user's whole mailbox moves
// to another shard and bucket with every table's rows, flags, threads, keywords and search intact
// (doc ids made anew by the target), the other user of the shard and of the shared raw pack is left
// alone, and a move interrupted before or after the pointer switch leaves one copy and finishes when run again.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type TestS3Server } from "../../../../test/support/s3-server.ts";
import { testFiling } from "../../../../test/support/filing.ts";
import { uuidv7 } from "../../../../shared/ids.ts";
import { reindexUser } from "../../search/reindex.ts";
import { parseSearchQuery } from "../../search/query-parser.ts";
import { searchMessages } from "../../search/search.ts";
import { compactPacks } from "../blob-gc/compact-packs.ts";
import { attachmentKey, type BlobStore } from "../blobs.ts";
import { fileMessages } from "../filing.ts";
import { saveFilters } from "../filters.ts";
import { createMailbox, listFolders, listKeywords, updateMessages } from "../mailbox.ts";
import { s3BlobStore } from "../s3-blobs.ts";
import { userRange, userSearchInfo } from "../search-index/doc-ids.ts";
import { Shards, type ShardDatabase } from "../shards.ts";
import { mailboxDigest } from "./verify.ts";
import { moveMailbox, MoveVerifyError, type MoveSteps } from "./move.ts";
import { USER_TABLES } from "./user-tables.ts";

const dir = mkdtempSync(path.join(tmpdir(), "edgemail-move-"));
let shards: Shards;
let s3us: TestS3Server;
let s3eu: TestS3Server;
let us: BlobStore;
let eu: BlobStore;

const bucketOf = (s: TestS3Server) => s3BlobStore({ endpoint: s.endpoint, bucket: s.bucket, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, region: "auto" });

beforeAll(async () => {
  shards = await Shards.open(["a", "b", "c"].map((name) => ({ name, url: `file:${path.join(dir, `${name}.db`)}` })));
  [s3us, s3eu] = await Promise.all([startS3Server("us"), startS3Server("eu")]);
  us = bucketOf(s3us);
  eu = bucketOf(s3eu);
}, 30_000);

afterAll(async () => {
  shards.close();
  await Promise.all([us.close(), eu.close(), s3us.close(), s3eu.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A mailbox with something in every table, its raw mail in one pack shared with another user. */
async function seed(shard: ShardDatabase, blobs: BlobStore, alice: string, bob: string) {
  await createMailbox(shard, { userId: alice, address: `${alice}@example.test`, quotaBytes: 10_000_000 });
  await createMailbox(shard, { userId: bob, address: `${bob}@example.test`, quotaBytes: 10_000_000 });
  const raws = ["alice one", "bob's only", "alice two, a reply", "alice three with a file"].map((s) => Buffer.from(`Subject: ${s}\r\n\r\n${s}\r\n`));
  const packKey = `raw/2026-01-01/${uuidv7()}.pack`;
  await blobs.put(packKey, Buffer.concat(raws));
  const ranges = raws.map((r, i) => ({ key: packKey, offset: raws.slice(0, i).reduce((n, x) => n + x.length, 0), length: r.length }));
  const file = Buffer.from("quarterly budget figures for Zanzibar");
  const fileKey = attachmentKey(sha(file));
  await blobs.put(fileKey, file);
  const first = testFiling(alice, "planning meeting", { raw: ranges[0]!, messageIdHeader: "<plan@remote.test>", keywords: ["Projects"] });
  await fileMessages(shard, [
    first,
    testFiling(bob, "bob's only", { raw: ranges[1]! }),
    testFiling(alice, "Re: planning meeting", { raw: ranges[2]!, inReplyTo: "<plan@remote.test>", references: ["<plan@remote.test>"], flagged: true }),
    testFiling(alice, "the figures", {
      raw: ranges[3]!,
      attachments: [{ attachmentId: "1", filename: "figures.txt", contentType: "text/plain", disposition: "attachment", contentId: null, size: file.length, blobKey: fileKey, text: file.toString() }],
    }),
    testFiling(alice, "sent by alice", { raw: ranges[0]!, folderRole: "sent", seen: true, to: [{ name: "Carol", address: "carol@remote.test" }] }),
  ]);
  await updateMessages(shard, alice, [first.messageId], { read: true, keywords: { add: ["$label2"] } });
  await saveFilters(shard, alice, 'require "fileinto"; if header :contains "subject" "x" { fileinto "X"; }', null);
  const now = Date.now();
  await shard.client.batch([
    { sql: "INSERT INTO spam_tokens (user_id, token, spam, ham) VALUES (?, 42, 1, 0)", args: [alice] },
    { sql: "INSERT INTO send_counters (user_id, day, recipients) VALUES (?, '2026-01-01', 3)", args: [alice] },
    { sql: "INSERT INTO idempotency_keys (user_id, key, message_id, request_hash, created_at) VALUES (?, 'k1', ?, 'h', ?)", args: [alice, uuidv7(), now] },
    { sql: "INSERT INTO vacation_replies (user_id, sender, handle, sent_at) VALUES (?, 'x@remote.test', 'h', ?)", args: [alice, now] },
  ]);
}

function steps(state: { pointer: "source" | "target" }, overrides: Partial<MoveSteps> = {}): MoveSteps {
  return {
    pointer: async () => state.pointer,
    quiesce: async () => {},
    switchPointer: async () => {
      state.pointer = "target";
    },
    rebuildIndex: (shard, userId) => reindexUser(shard, userId, { readBlob: (key) => eu.get(key) }),
    ...overrides,
  };
}

async function userRows(shard: ShardDatabase, userId: string): Promise<number> {
  let n = 0;
  for (const t of USER_TABLES) n += Number((await shard.client.execute({ sql: `SELECT count(*) FROM "${t}" WHERE user_id = ?`, args: [userId] })).rows[0]![0]);
  return n;
}

const search = async (shard: ShardDatabase, userId: string, q: string) =>
  (await searchMessages(shard, userId, parseSearchQuery(q), { q, limit: 10, sort: "date" })).messages.map((m) => m.subject).sort();

describe("moving a mailbox", () => {
  it("copies every table to another shard and bucket, rebuilds search there, then removes the source's rows", { timeout: 30_000 }, async () => {
    const [alice, bob] = [uuidv7(), uuidv7()];
    const a = shards.get("a");
    const b = shards.get("b");
    // The target shard already numbers a mailbox of its own: the moved one must get another number.
    await createMailbox(b, { userId: uuidv7(), address: "other@example.test", quotaBytes: 1000 });
    await seed(a, us, alice, bob);
    const before = await mailboxDigest(a, alice, { sameBlobs: false });
    const bobBefore = await mailboxDigest(a, bob, { sameBlobs: true });
    const folders = await listFolders(a, alice);
    const keywords = await listKeywords(a, alice);
    const found = await search(a, alice, "Zanzibar");
    expect(found).toEqual(["the figures"]);
    for (const t of USER_TABLES) expect(before[t]!.rows, t).toBeGreaterThan(0);

    const state = { pointer: "source" as "source" | "target" };
    const result = await moveMailbox(alice, { shard: a, blobs: us }, { shard: b, blobs: eu }, steps(state));
    expect(result).toMatchObject({ resumed: false });
    expect(result.rows).toBe(Object.values(before).reduce((n, d) => n + d.rows, 0));

    expect(await mailboxDigest(b, alice, { sameBlobs: false })).toEqual(before);
    expect(await listFolders(b, alice)).toEqual(folders);
    expect(await listKeywords(b, alice)).toEqual(keywords);
    expect(await search(b, alice, "Zanzibar")).toEqual(found);
    expect(await search(b, alice, "planning")).toEqual(["Re: planning meeting", "planning meeting"]);
    const threads = await b.client.execute({ sql: "SELECT count(DISTINCT thread_id) FROM messages WHERE user_id = ? AND subject LIKE '%planning%'", args: [alice] });
    expect(Number(threads.rows[0]![0])).toBe(1);
    // The target's own doc ids: in the range of the number the target gave the mailbox.
    const info = await userSearchInfo(b.db, alice);
    expect(info!.userNo).toBe(2);
    const { lo, hi } = userRange(info!.userNo);
    const docs = await b.client.execute({ sql: "SELECT doc_id, raw_key, raw_offset, raw_length FROM messages WHERE user_id = ?", args: [alice] });
    for (const d of docs.rows) {
      expect(Number(d.doc_id)).toBeGreaterThanOrEqual(lo);
      expect(Number(d.doc_id)).toBeLessThanOrEqual(hi);
      const bytes = await eu.get(String(d.raw_key), { offset: Number(d.raw_offset), length: Number(d.raw_length) });
      expect(Buffer.from(bytes!).toString()).toMatch(/^Subject: alice/);
    }
    // Bob's message from the shared pack is not in the target bucket's packs.
    for (const key of new Set(docs.rows.map((d) => String(d.raw_key)))) expect(Buffer.from((await eu.get(key))!).toString()).not.toContain("bob's only");
    expect(await eu.has(attachmentKey(sha(Buffer.from("quarterly budget figures for Zanzibar"))))).toBe(true);

    expect(await userRows(a, alice)).toBe(0);
    expect(await a.client.execute("SELECT count(*) FROM search_index WHERE search_index MATCH 'Zanzibar'").then((r) => Number(r.rows[0]![0]))).toBe(0);
    expect(await mailboxDigest(a, bob, { sameBlobs: true })).toEqual(bobBefore);
  });

  it("a crash before the switch leaves the source the mailbox; after it, a rerun only removes the source's rows", { timeout: 30_000 }, async () => {
    const [alice, bob] = [uuidv7(), uuidv7()];
    const a = shards.get("a");
    const c = shards.get("c");
    await seed(a, us, alice, bob);
    const before = await mailboxDigest(a, alice, { sameBlobs: true });
    const state = { pointer: "source" as "source" | "target" };
    const crash = new Error("the process died");
    // Same region, same bucket: the rows move, the blobs stay where they are.
    await expect(moveMailbox(alice, { shard: a, blobs: us }, { shard: c, blobs: us }, steps(state, { switchPointer: () => Promise.reject(crash) }))).rejects.toBe(crash);
    expect(state.pointer).toBe("source");
    expect(await mailboxDigest(a, alice, { sameBlobs: true })).toEqual(before);
    // Mail filed at the source meanwhile (the user was not quiesced) is in the next attempt's copy.
    await us.put("raw/late.pack", Buffer.from("late"));
    await fileMessages(a, [testFiling(alice, "arrived between attempts", { raw: { key: "raw/late.pack", offset: 0, length: 4 } })]);
    // The switch happens, then the process dies before the source's rows go.
    await expect(
      moveMailbox(alice, { shard: a, blobs: us }, { shard: c, blobs: us }, steps(state, { rebuildIndex: (s, u) => reindexUser(s, u), switchPointer: async () => { state.pointer = "target"; throw crash; } })),
    ).rejects.toBe(crash);
    expect(await userRows(a, alice)).toBeGreaterThan(0);
    const moved = await mailboxDigest(c, alice, { sameBlobs: true });
    expect(moved.messages!.rows).toBe(before.messages!.rows + 1);
    expect(await moveMailbox(alice, { shard: a, blobs: us }, { shard: c, blobs: us }, steps(state))).toEqual({ rows: 0, resumed: true });
    expect(await userRows(a, alice)).toBe(0);
    expect(await mailboxDigest(c, alice, { sameBlobs: true })).toEqual(moved);
  });

  it("refuses to switch to a copy that differs from the mailbox", { timeout: 30_000 }, async () => {
    const [alice, bob] = [uuidv7(), uuidv7()];
    const a = shards.get("a");
    const b = shards.get("b");
    await seed(a, us, alice, bob);
    const state = { pointer: "source" as "source" | "target" };
    // A write that reaches the source after its rows were read (what quiescing prevents).
    const late = steps(state, {
      rebuildIndex: async (shard, userId) => {
        await reindexUser(shard, userId);
        await a.client.execute({ sql: "UPDATE messages SET flagged = 1 - flagged WHERE user_id = ?", args: [alice] });
      },
    });
    const err = await moveMailbox(alice, { shard: a, blobs: us }, { shard: b, blobs: us }, late).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveVerifyError);
    expect((err as MoveVerifyError).problems).toEqual(["messages: the rows differ"]);
    expect(state.pointer).toBe("source");
    expect(await userRows(a, alice)).toBeGreaterThan(0);
  });

  it("across buckets, hands the source bucket's keys to removeBlobs once the rows are gone, and notes them for the hourly sweep", { timeout: 30_000 }, async () => {
    const [alice, bob] = [uuidv7(), uuidv7()];
    const a = shards.get("a");
    const b = shards.get("b");
    await seed(a, us, alice, bob);
    const pack = String((await a.client.execute({ sql: "SELECT raw_key FROM messages WHERE user_id = ? LIMIT 1", args: [alice] })).rows[0]![0]);
    const file = attachmentKey(sha(Buffer.from("quarterly budget figures for Zanzibar")));
    const handed: { raw: string[]; attachments: string[]; rowsLeft: number }[] = [];
    const state = { pointer: "source" as "source" | "target" };
    await moveMailbox(alice, { shard: a, blobs: us }, { shard: b, blobs: eu }, steps(state, { removeBlobs: async (keys) => void handed.push({ ...keys, rowsLeft: await userRows(a, alice) }) }));
    expect(handed).toEqual([{ raw: [pack], attachments: [file], rowsLeft: 0 }]);
    const noted = await a.client.execute({ sql: "SELECT key FROM blob_garbage WHERE key IN (?, ?) ORDER BY key", args: [pack, file] });
    expect(noted.rows.map((r) => String(r[0]))).toEqual([file, pack]);
    // What the CLI then does with them: the shared pack keeps only bob's message.
    const swept = await compactPacks([pack], { shards: shards.names.map((n) => shards.get(n)), blobs: us }, { named: true });
    expect(swept.deleted).toEqual([pack]);
    const kept = Buffer.from((await us.get(swept.rewritten[0]!.to))!).toString();
    expect(kept).toBe("Subject: bob's only\r\n\r\nbob's only\r\n");
    // Within a region (one bucket) nothing is handed over: the moved rows still read those blobs.
    await moveMailbox(bob, { shard: a, blobs: us }, { shard: shards.get("c"), blobs: us }, steps({ pointer: "source" }, { rebuildIndex: (s, u) => reindexUser(s, u), removeBlobs: async () => void handed.push({ raw: [], attachments: [], rowsLeft: -1 }) }));
    expect(handed).toHaveLength(1);
  });
});
