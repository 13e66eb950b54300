// Migration 0005 on a shard with mail from before search, then the rebuild that indexes it: doc ids
// in receive order (several in one second included), mailboxes numbered, and after reindexUser the
// old mail is found like new mail; a rebuild also drops documents whose message is gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oldShard } from "../../../test/support/old-shard.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { textPdf } from "../../../test/support/pdf.ts";
import { fileMessages } from "../store/filing.ts";
import { Shards } from "../store/shards.ts";
import { USER_SPAN } from "../store/search-index/doc-ids.ts";
import { reindexUser } from "./reindex.ts";
import { searchMessages } from "./search.ts";



describe("migration 0005_search and reindex", () => {
  it("numbers old mail in receive order, and a rebuild makes it searchable", async () => {
    const { file, client: old } = await oldShard(4);
    const [alice, bob] = [uuidv7(), uuidv7()];
    const folderId = uuidv7();
    const t = Date.UTC(2026, 0, 5, 10, 0, 0);
    // Alice: three in one second (skew 2), then one in the next second, which the second already took.
    const mail = [
      { user: alice, at: t + 100, subject: "first", text: "회의 일정 안내" },
      { user: alice, at: t + 200, subject: "second", text: "plain words" },
      { user: alice, at: t + 300, subject: "third", text: "more words" },
      { user: alice, at: t + 1500, subject: "fourth", text: "Café au lait" },
      { user: bob, at: t, subject: "bob's", text: "회의 일정" },
    ].map((m) => ({ ...m, id: uuidv7(m.at) }));
    await old.batch([
      ...[alice, bob].map((u, i) => ({ sql: "INSERT INTO mailboxes (user_id, address, quota_bytes, created_at) VALUES (?, ?, 1000000, ?)", args: [u, `u${i}@example.test`, i] })),
      ...[alice, bob].map((u) => ({ sql: "INSERT INTO folders (user_id, folder_id, name, role, created_at) VALUES (?, ?, 'Inbox', 'inbox', 0)", args: [u, folderId] })),
      ...mail.flatMap((m) => [
        {
          sql: `INSERT INTO messages (user_id, message_id, folder_id, received_at, size, subject, raw_key, raw_offset, raw_length, thread_id) VALUES (?, ?, ?, ?, 10, ?, 'raw/x', 0, 10, ?)`,
          args: [m.user, m.id, folderId, m.at, m.subject, m.id],
        },
        { sql: "INSERT INTO message_bodies (user_id, message_id, text) VALUES (?, ?, ?)", args: [m.user, m.id, m.text] },
      ]),
    ]);
    old.close();

    const shards = await Shards.open([{ name: "s0", url: `file:${file}` }]);
    const shard = shards.get("s0");
    try {
      const boxes = await shard.db.all<{ user_id: string; user_no: number; search_skew: number }>(sql`SELECT user_id, user_no, search_skew FROM mailboxes ORDER BY user_no`);
      expect(boxes).toEqual([
        { user_id: alice, user_no: 1, search_skew: 2 },
        { user_id: bob, user_no: 2, search_skew: 0 },
      ]);
      const docs = await shard.db.all<{ subject: string; doc_id: number }>(sql`SELECT subject, doc_id FROM messages ORDER BY doc_id`);
      const second = Math.floor(t / 1000);
      expect(docs).toEqual([
        { subject: "first", doc_id: USER_SPAN + second },
        { subject: "second", doc_id: USER_SPAN + second + 1 },
        { subject: "third", doc_id: USER_SPAN + second + 2 },
        { subject: "fourth", doc_id: USER_SPAN + second + 3 },
        { subject: "bob's", doc_id: 2 * USER_SPAN + second },
      ]);

      const find = async (user: string, value: string) =>
        (await searchMessages(shard, user, { type: "text", value, phrase: false }, { q: value, limit: 10, sort: "date" })).messages.map((m) => m.subject);
      expect(await find(alice, "회의")).toEqual([]);
      const progress: [number, number][] = [];
      expect(await reindexUser(shard, alice, { onProgress: (done, total) => progress.push([done, total]) })).toBe(4);
      expect(progress).toEqual([[0, 4], [4, 4]]);
      expect(await find(alice, "회의")).toEqual(["first"]);
      expect(await find(alice, "cafe")).toEqual(["fourth"]);
      expect(await find(bob, "회의")).toEqual([]);

      // New mail after the migration takes the next free doc ids, in order.
      const late = testFiling(alice, "fifth", { receivedAt: t + 1600, messageId: uuidv7(t + 1600), text: "회의록" });
      await fileMessages(shard, [late]);
      expect(await find(alice, "회의")).toEqual(["fifth", "first"]);
      // Reindexing twice changes nothing; a document left without its message is dropped.
      await shard.db.run(sql`INSERT INTO search_index (rowid, body) VALUES (${USER_SPAN + second + 500}, '회의 orphan')`);
      expect(await find(alice, "orphan")).toEqual([]);
      expect(await reindexUser(shard, alice)).toBe(5);
      expect(await find(alice, "회의")).toEqual(["fifth", "first"]);
      const [{ n } = { n: -1 }] = await shard.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM search_index WHERE search_index MATCH 'orphan'`);
      expect(n).toBe(0);
    } finally {
      shards.close();
    }
  });

  it("reads the text of text and PDF attachments again from the blob store", async () => {
    const shards = await Shards.open([{ name: "s0", url: `file:${path.join(mkdtempSync(path.join(tmpdir(), "shard-")), "s0.db")}` }]);
    const shard = shards.get("s0");
    const { createMailbox } = await import("../store/mailbox.ts");
    const user = uuidv7();
    await createMailbox(shard, { userId: user, address: "carol@example.test", quotaBytes: 10 ** 9 });
    const blobs = new Map<string, Uint8Array>([
      ["att/sha256/pdf", textPdf(["Annual revenue forecast", "Confidential"])],
      ["att/sha256/txt", Buffer.from("minutes of the steering committee")],
    ]);
    const att = (id: string, filename: string, contentType: string, blobKey: string) => ({ attachmentId: id, filename, contentType, disposition: "attachment" as const, contentId: null, size: 10, blobKey });
    await fileMessages(shard, [
      testFiling(user, "files", { attachments: [att("1", "plan.pdf", "application/pdf", "att/sha256/pdf"), att("2", "notes.txt", "text/plain", "att/sha256/txt"), att("3", "photo.jpg", "image/jpeg", "att/sha256/jpg")] }),
    ]);
    const find = async (value: string) => (await searchMessages(shard, user, { type: "text", value, phrase: false }, { q: value, limit: 10, sort: "date" })).messages.length;
    // Filed without the texts (as by a path that had no bytes): only the names are found.
    expect([await find("plan"), await find("forecast"), await find("steering")]).toEqual([1, 0, 0]);
    const asked: string[] = [];
    await reindexUser(shard, user, { readBlob: async (key) => (asked.push(key), blobs.get(key) ?? null) });
    expect(asked.sort()).toEqual(["att/sha256/pdf", "att/sha256/txt"]);
    expect([await find("plan"), await find("forecast"), await find("steering")]).toEqual([1, 1, 1]);
    shards.close();
  });
});
