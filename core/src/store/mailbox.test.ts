// Mailbox operations and filing on real libSQL shard files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { fileMessages } from "./filing.ts";
import { createMailbox, deleteMessage, getMessage, getUsage, listFolders, listKeywords, listMessages, updateMessage, updateMessages } from "./mailbox.ts";
import { Shards } from "./shards.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("shard-");
let shards: Shards;
const alice = uuidv7();
const mallory = uuidv7();

const filing = testFiling;

const shard = () => shards.get("s0");
const expectProblem = async (p: Promise<unknown>, status: number) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProblemError);
  expect((err as ProblemError).status).toBe(status);
};

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
  await createMailbox(shard(), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
  await createMailbox(shard(), { userId: mallory, address: "mallory@example.test", quotaBytes: 10 ** 9 });
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("mailbox", () => {
  it("has the standard folders with roles, once even if created twice", async () => {
    await createMailbox(shard(), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
    const folders = await listFolders(shard(), alice);
    expect(folders.map((f) => f.role)).toEqual(["inbox", "sent", "drafts", "trash", "junk", "archive"]);
  });

  it("files idempotently: the same filing twice is one message and one count", async () => {
    const f = filing(alice, "once");
    expect((await fileMessages(shard(), [f])).filed).toHaveLength(1);
    const again = await fileMessages(shard(), [f, f]);
    expect(again.filed).toHaveLength(0);
    expect(again.duplicates).toHaveLength(2);
    const inbox = (await listFolders(shard(), alice)).find((x) => x.role === "inbox")!;
    expect(inbox.total).toBe(1);
    expect((await getUsage(shard(), alice))!.messageCount).toBe(1);
  });

  it("does not file for a mailbox that no longer exists", async () => {
    const result = await fileMessages(shard(), [filing(uuidv7(), "orphan")]);
    expect(result.orphans).toHaveLength(1);
  });

  it("pages newest first without duplicates or gaps while new mail arrives", async () => {
    await fileMessages(shard(), Array.from({ length: 45 }, (_, i) => filing(alice, `m${i}`)));
    const seen: string[] = [];
    let cursor: string | undefined;
    let page = await listMessages(shard(), alice, "inbox", { limit: 10 });
    for (;;) {
      seen.push(...page.messages.map((m) => m.id));
      // new mail arriving between pages lands at the head and must not disturb the walk
      await fileMessages(shard(), [filing(alice, `new after page ${seen.length}`)]);
      cursor = page.nextCursor ?? undefined;
      if (!cursor) break;
      page = await listMessages(shard(), alice, "inbox", { limit: 10, cursor });
    }
    expect(seen).toHaveLength(46);
    expect(new Set(seen).size).toBe(46);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it("reads a folder page as a range of the clustering index, with no sort and no scan", async () => {
    const { rows } = await shard().client.execute({
      sql: `EXPLAIN QUERY PLAN SELECT * FROM messages WHERE user_id = ? AND folder_id = ? AND (received_at, message_id) < (?, ?)
            ORDER BY received_at DESC, message_id DESC LIMIT 51`,
      args: [alice, uuidv7(), Date.now(), uuidv7()],
    });
    const plan = rows.map((r) => String(r.detail)).join("\n");
    expect(plan).toContain("USING INDEX messages_by_folder (user_id=? AND folder_id=?");
    expect(plan).not.toContain("TEMP B-TREE");
    expect(plan).not.toMatch(/^SCAN/m);
  });

  it("rejects a cursor it did not make, naming the field", async () => {
    const err = await listMessages(shard(), alice, "inbox", { limit: 10, cursor: "bm90LWEtY3Vyc29y" }).catch((e: ProblemError) => e);
    expect((err as ProblemError).problem.errors).toEqual([{ field: "cursor", message: "not a cursor returned by this API" }]);
  });

  it("keeps unread counts in step with read, move and delete", async () => {
    const counts = async () => Object.fromEntries((await listFolders(shard(), alice)).map((f) => [f.role, { total: f.total, unread: f.unread }]));
    const before = await counts();
    const [m] = (await listMessages(shard(), alice, "inbox", { limit: 1 })).messages;
    await updateMessage(shard(), alice, m!.id, { read: true, starred: true });
    expect((await counts()).inbox).toEqual({ total: before.inbox!.total, unread: before.inbox!.unread - 1 });
    await updateMessage(shard(), alice, m!.id, { folderId: "archive", read: false });
    expect((await counts()).archive).toEqual({ total: 1, unread: 1 });
    expect((await counts()).inbox).toEqual({ total: before.inbox!.total - 1, unread: before.inbox!.unread - 1 });
    expect((await deleteMessage(shard(), alice, m!.id)).value.deleted).toBe("moved-to-trash");
    expect((await counts()).trash).toEqual({ total: 1, unread: 1 });
    const used = (await getUsage(shard(), alice))!.usedBytes;
    expect((await deleteMessage(shard(), alice, m!.id)).value.deleted).toBe("permanently");
    expect((await counts()).trash).toEqual({ total: 0, unread: 0 });
    expect((await getUsage(shard(), alice))!.usedBytes).toBe(used - 1000);
    await expectProblem(getMessage(shard(), alice, m!.id), 404);
  });

  it("changes many messages in one transaction: counters bumped once by the sum, one event each", async () => {
    const counts = async () => Object.fromEntries((await listFolders(shard(), alice)).map((f) => [f.role, { total: f.total, unread: f.unread }]));
    const filed = Array.from({ length: 5 }, (_, i) => filing(alice, `bulk ${i}`, i < 2 ? { seen: true } : {}));
    await fileMessages(shard(), filed);
    const ids = filed.map((f) => f.messageId);
    const malloryOwn = filing(mallory, "not alice's");
    await fileMessages(shard(), [malloryOwn]);
    const before = await counts();

    const stranger = uuidv7();
    const moved = await updateMessages(shard(), alice, [...ids, malloryOwn.messageId, stranger], { folderId: "archive", keywords: { add: ["bulk"] } });
    expect(moved.value.updated.map((m) => m.id)).toEqual(ids);
    expect(moved.value.updated.every((m) => m.folderId === moved.value.updated[0]!.folderId && m.keywords.includes("bulk"))).toBe(true);
    // Another user's message is told apart from none that never was: both are simply not found.
    expect(moved.value.notFound).toEqual([malloryOwn.messageId, stranger]);
    expect((await counts()).inbox).toEqual({ total: before.inbox!.total - 5, unread: before.inbox!.unread - 3 });
    expect((await counts()).archive).toEqual({ total: before.archive!.total + 5, unread: before.archive!.unread + 3 });
    expect(moved.events.filter((e) => e.type === "message.updated")).toHaveLength(5);
    const countEvents = moved.events.filter((e) => e.type === "folder.counts");
    expect(countEvents).toHaveLength(1);
    expect(moved.events.map((e) => e.seq)).toEqual(moved.events.map((_, i) => moved.seq - moved.events.length + 1 + i));
    expect((await getMessage(shard(), mallory, malloryOwn.messageId)).keywords).not.toContain("bulk");

    // Marking read only the unread ones changes: the read ones are listed as they are, with no event.
    const read = await updateMessages(shard(), alice, ids, { read: true });
    expect(read.value.updated.every((m) => m.read)).toBe(true);
    expect(read.events.filter((e) => e.type === "message.updated")).toHaveLength(3);
    expect((await counts()).archive!.unread).toBe(before.archive!.unread);

    // A patch one message refuses changes none of them.
    const crowded = filing(alice, "crowded", { keywords: Array.from({ length: 50 }, (_, i) => `k${i}`) });
    await fileMessages(shard(), [crowded]);
    const refused = await updateMessages(shard(), alice, [ids[0]!, crowded.messageId], { keywords: { add: ["one-more"] } }).catch((e: ProblemError) => e);
    expect((refused as ProblemError).problem.errors?.[0]?.field).toBe("keywords.add");
    expect((await getMessage(shard(), alice, ids[0]!)).keywords).not.toContain("one-more");
  });

  it("lists the keywords on a user's messages with their counts, case-insensitively, and no one else's", async () => {
    const lonely = uuidv7();
    await createMailbox(shard(), { userId: lonely, address: "lonely@example.test", quotaBytes: 10 ** 9 });
    expect(await listKeywords(shard(), lonely)).toEqual({ keywords: [] });
    await fileMessages(shard(), [
      filing(lonely, "k1", { keywords: ["Travel", "$Junk"] }),
      filing(lonely, "k2", { keywords: ["travel"], seen: true }),
      filing(lonely, "k3", { keywords: ["Bills"] }),
      filing(lonely, "k4"),
      filing(mallory, "not lonely's", { keywords: ["Travel", "Secret"] }),
    ]);
    const { keywords } = await listKeywords(shard(), lonely);
    expect(keywords.map((k) => [k.keyword.toLowerCase(), k.total, k.unread])).toEqual([["travel", 2, 1], ["$junk", 1, 1], ["bills", 1, 1]]);
  });

  it("answers 404 for another user's message and for unknown folders", async () => {
    const [m] = (await listMessages(shard(), alice, "inbox", { limit: 1 })).messages;
    await expectProblem(getMessage(shard(), mallory, m!.id), 404);
    await expectProblem(updateMessage(shard(), mallory, m!.id, { read: true }), 404);
    await expectProblem(deleteMessage(shard(), mallory, m!.id), 404);
    await expectProblem(listMessages(shard(), alice, uuidv7(), { limit: 5 }), 404);
    const err = await updateMessage(shard(), alice, m!.id, { folderId: uuidv7() }).catch((e: ProblemError) => e);
    expect((err as ProblemError).problem.errors?.[0]?.field).toBe("folderId");
  });
});
