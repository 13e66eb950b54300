// The event log on real libSQL shard files: every change records its events in its own transaction,
// numbered per user without gaps, and the events say exactly what changed.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { currentSeq, pruneEvents, readEvents, recentEvents } from "./events.ts";
import { fileMessages } from "./filing.ts";
import { createMailbox, deleteMailbox, deleteMessage, discardDraft, listFolders, listMessages, updateMessage } from "./mailbox.ts";
import { Shards } from "./shards.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("events-");
let shards: Shards;
const shard = () => shards.get("s0");

const filing = testFiling;

async function newUser(): Promise<string> {
  const userId = uuidv7();
  await createMailbox(shard(), { userId, address: `${userId}@example.test`, quotaBytes: 10 ** 9 });
  return userId;
}

/** Everything the log holds for a user, checked to be numbered 1..n without a gap. */
async function logOf(userId: string): Promise<CoreEvent[]> {
  const page = (await readEvents(shard(), userId, 0, 1000))!;
  expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: page.events.length }, (_, i) => i + 1));
  expect(page.seq).toBe(page.events.length);
  expect(page.gap).toBe(false);
  return page.events;
}

async function folderIds(userId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await listFolders(shard(), userId)).map((f) => [f.role, f.id]));
}

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("event log", () => {
  it("records message.created per filed message and one folder.counts per user, as listMessages shows them", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const ids = await folderIds(alice);
    const result = await fileMessages(shard(), [
      filing(alice, "a1"),
      filing(bob, "b1"),
      filing(alice, "a2", { attachments: [{ attachmentId: "1", filename: "x.pdf", contentType: "application/pdf", disposition: "attachment", contentId: null, size: 10, blobKey: "att/sha256/x" }] }),
      filing(alice, "a3 sent", { folderRole: "sent", seen: true }),
    ]);
    const ofAlice = result.events.filter((e) => e.userId === alice);
    expect(ofAlice.map((e) => [e.seq, e.type])).toEqual([
      [1, "message.created"],
      [2, "message.created"],
      [3, "message.created"],
      [4, "folder.counts"],
    ]);
    expect(result.events.filter((e) => e.userId === bob).map((e) => [e.seq, e.type])).toEqual([
      [1, "message.created"],
      [2, "folder.counts"],
    ]);
    // The event's message is the listing's message, field for field.
    const inbox = (await listMessages(shard(), alice, "inbox", { limit: 10 })).messages;
    const sent = (await listMessages(shard(), alice, "sent", { limit: 10 })).messages;
    const created = ofAlice.flatMap((e) => (e.type === "message.created" ? [e.data.message] : []));
    expect(created).toEqual([inbox[1], inbox[0], sent[0]]);
    expect(created[1]!.hasAttachments).toBe(true);
    const counts = ofAlice[3]!;
    expect(counts.type === "folder.counts" && counts.data.folders).toEqual(
      expect.arrayContaining([
        { id: ids.inbox, unread: 2, total: 2 },
        { id: ids.sent, unread: 0, total: 1 },
      ]),
    );
    // What the transaction returned is what the log holds.
    expect(await logOf(alice)).toEqual(ofAlice);
    expect(await currentSeq(shard().db, alice)).toBe(4);
  });

  it("records nothing for a refiling, and only the new messages of a mixed batch", async () => {
    const alice = await newUser();
    const first = filing(alice, "once");
    await fileMessages(shard(), [first]);
    const again = await fileMessages(shard(), [first, first]);
    expect(again.events).toEqual([]);
    expect(await currentSeq(shard().db, alice)).toBe(2);
    const mixed = await fileMessages(shard(), [first, filing(alice, "new")]);
    expect(mixed.events.map((e) => [e.seq, e.type])).toEqual([
      [3, "message.created"],
      [4, "folder.counts"],
    ]);
    const counts = mixed.events[1]!;
    expect(counts.type === "folder.counts" && counts.data.folders[0]).toMatchObject({ unread: 2, total: 2 });
    await logOf(alice);
  });

  it("records read, star, move and delete, without a gap, and nothing for a change that changes nothing", async () => {
    const alice = await newUser();
    const ids = await folderIds(alice);
    const f = filing(alice, "to change");
    await fileMessages(shard(), [f]);
    const id = f.messageId;

    const read = await updateMessage(shard(), alice, id, { read: true });
    expect(read.seq).toBe(4);
    expect(read.events.map((e) => ({ seq: e.seq, type: e.type, data: e.data }))).toEqual([
      { seq: 3, type: "message.updated", data: { id, folderId: ids.inbox, read: true, starred: false, threadId: id } },
      { seq: 4, type: "folder.counts", data: { folders: [{ id: ids.inbox, unread: 0, total: 1 }] } },
    ]);

    // Starring changes no counter: no folder.counts.
    const star = await updateMessage(shard(), alice, id, { starred: true });
    expect(star.events.map((e) => [e.seq, e.type])).toEqual([[5, "message.updated"]]);

    const nothing = await updateMessage(shard(), alice, id, { read: true, starred: true, folderId: "inbox" });
    expect(nothing.events).toEqual([]);
    expect(nothing.seq).toBe(5);

    const moved = await updateMessage(shard(), alice, id, { folderId: "archive", read: false });
    expect(moved.events.map((e) => e.data)).toEqual([
      { id, folderId: ids.archive, previousFolderId: ids.inbox, read: false, starred: true, threadId: id },
      {
        folders: [
          { id: ids.inbox, unread: 0, total: 0 },
          { id: ids.archive, unread: 1, total: 1 },
        ],
      },
    ]);

    const trashed = await deleteMessage(shard(), alice, id);
    expect(trashed.value.deleted).toBe("moved-to-trash");
    expect(trashed.events.map((e) => e.type)).toEqual(["message.updated", "folder.counts"]);
    expect(trashed.events[0]!.data).toMatchObject({ folderId: ids.trash, previousFolderId: ids.archive });

    const gone = await deleteMessage(shard(), alice, id);
    expect(gone.value.deleted).toBe("permanently");
    expect(gone.events.map((e) => e.data)).toEqual([{ id, folderId: ids.trash }, { folders: [{ id: ids.trash, unread: 0, total: 0 }] }]);
    expect(gone.seq).toBe(11);
    expect((await logOf(alice)).map((e) => e.type)).toEqual([
      "message.created",
      "folder.counts",
      "message.updated",
      "folder.counts",
      "message.updated",
      "message.updated",
      "folder.counts",
      "message.updated",
      "folder.counts",
      "message.deleted",
      "folder.counts",
    ]);
  });

  it("records a discarded draft as deleted from drafts, and nothing when it is not a draft", async () => {
    const alice = await newUser();
    const ids = await folderIds(alice);
    const draft = filing(alice, "draft", { folderRole: "drafts", seen: true });
    await fileMessages(shard(), [draft]);
    const discarded = await discardDraft(shard(), alice, draft.messageId);
    expect(discarded!.events.map((e) => e.data)).toEqual([{ id: draft.messageId, folderId: ids.drafts }, { folders: [{ id: ids.drafts, unread: 0, total: 0 }] }]);
    const inboxMessage = filing(alice, "not a draft");
    await fileMessages(shard(), [inboxMessage]);
    expect(await discardDraft(shard(), alice, inboxMessage.messageId)).toBeNull();
    await logOf(alice);
  });

  it("keeps seqs gapless when many changes of one user run at once", async () => {
    const alice = await newUser();
    const first = Array.from({ length: 20 }, (_, i) => filing(alice, `c${i}`));
    await fileMessages(shard(), first);
    await Promise.all([
      ...first.map((f, i) => updateMessage(shard(), alice, f.messageId, { read: i % 2 === 0, starred: true })),
      ...Array.from({ length: 10 }, (_, i) => fileMessages(shard(), [filing(alice, `d${i}`), filing(alice, `e${i}`)])),
    ]);
    // 20 created + counts; 10 read and starred (updated + counts), 10 only starred (updated); 10 × (2 created + counts).
    expect((await logOf(alice)).length).toBe(21 + 10 * 2 + 10 + 10 * 3);
  });

  it("pages by since and limit, and reports a gap once the events after since are pruned", async () => {
    const alice = await newUser();
    await fileMessages(shard(), [filing(alice, "p1"), filing(alice, "p2")]); // seqs 1..3
    await sleep(5);
    const cutoff = Date.now();
    await sleep(5);
    await fileMessages(shard(), [filing(alice, "p3")]); // seqs 4..5
    expect((await readEvents(shard(), alice, 0, 2))!).toMatchObject({ seq: 5, gap: false, events: [{ seq: 1 }, { seq: 2 }] });
    expect((await readEvents(shard(), alice, 3, 500))!.events.map((e) => e.seq)).toEqual([4, 5]);
    expect((await readEvents(shard(), alice, 5, 500))!).toEqual({ events: [], seq: 5, gap: false });

    expect(await pruneEvents(shard(), cutoff)).toBeGreaterThanOrEqual(3);
    expect((await readEvents(shard(), alice, 0, 500))!).toMatchObject({ seq: 5, gap: true });
    expect((await readEvents(shard(), alice, 2, 500))!.gap).toBe(true);
    expect((await readEvents(shard(), alice, 3, 500))!).toMatchObject({ seq: 5, gap: false, events: [{ seq: 4 }, { seq: 5 }] });
    // A reader ahead of the core (say, its shard restored from a backup) must rebuild too.
    expect((await readEvents(shard(), alice, 9, 500))!.gap).toBe(true);

    await pruneEvents(shard(), Date.now() + 1);
    expect((await readEvents(shard(), alice, 3, 500))!).toEqual({ events: [], seq: 5, gap: true });
    expect((await readEvents(shard(), alice, 5, 500))!).toEqual({ events: [], seq: 5, gap: false });
    // The seq goes on from where it was, never back to 1.
    expect((await fileMessages(shard(), [filing(alice, "p4")])).events[0]!.seq).toBe(6);
    expect(await readEvents(shard(), uuidv7(), 0, 10)).toBeNull();
  });

  it("finds the recent events of every user, per user in seq order, for the re-push after a start", async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    await fileMessages(shard(), [filing(alice, "old")]);
    await sleep(5);
    const since = Date.now();
    await fileMessages(shard(), [filing(bob, "r1"), filing(alice, "r2")]);
    await updateMessage(shard(), alice, (await listMessages(shard(), alice, "inbox", { limit: 1 })).messages[0]!.id, { starred: true });
    const recent = (await recentEvents(shard(), since)).filter((e) => e.userId === alice || e.userId === bob);
    expect(recent.filter((e) => e.userId === alice).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(recent.filter((e) => e.userId === bob).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("removes a mailbox's events with the mailbox", async () => {
    const alice = await newUser();
    await fileMessages(shard(), [filing(alice, "bye")]);
    await deleteMailbox(shard(), alice);
    const { rows } = await shard().client.execute({ sql: "SELECT count(*) AS n FROM events WHERE user_id = ?", args: [alice] });
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
