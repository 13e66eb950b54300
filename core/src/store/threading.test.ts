// Conversation threading on real libSQL shard files: by Message-ID, In-Reply-To and References in
// either order of arrival, by subject only with someone in common, idempotent on refiling, and the
// reads built on it (a thread; a folder one row per thread).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailAddress } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { readEvents } from "./events.ts";
import { fileMessages, type Filing } from "./filing.ts";
import { createMailbox, deleteMessage, folderPageQuery, getMessage, listMessages, updateMessage } from "./mailbox.ts";
import { Shards } from "./shards.ts";
import { SUBJECT_WINDOW_MS } from "./threading.ts";
import { getThread } from "./threads.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("threads-");
let shards: Shards;
const shard = () => shards.get("s0");
const DAY = 86_400_000;

async function newUser(): Promise<{ id: string; address: string }> {
  const id = uuidv7();
  const address = `${id.slice(-12)}@example.test`;
  await createMailbox(shard(), { userId: id, address, quotaBytes: 10 ** 9 });
  return { id, address };
}

const person = (address: string): MailAddress => ({ name: "", address });

/** A message with the given Message-ID (`<id@remote.test>`), answering `answers` by In-Reply-To. */
function mail(
  user: { id: string; address: string },
  subject: string,
  id: string,
  o: { answers?: string; refs?: string[]; sender?: string } & Partial<Filing> = {},
): Filing {
  const { answers, refs, sender, ...rest } = o;
  return testFiling(user.id, subject, {
    messageIdHeader: `<${id}@remote.test>`,
    inReplyTo: answers ? `<${answers}@remote.test>` : null,
    references: (refs ?? []).map((r) => `<${r}@remote.test>`),
    from: person(sender ?? "bob@remote.test"),
    to: [person(user.address)],
    ...rest,
  });
}

async function threadOf(userId: string, f: Filing): Promise<string> {
  return (await getMessage(shard(), userId, f.messageId)).threadId;
}

async function expectNotFound(p: Promise<unknown>): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProblemError);
  expect((err as ProblemError).status).toBe(404);
}

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("threading by Message-ID", () => {
  it("puts a reply in its parent's thread, and a new message in a thread of its own", async () => {
    const alice = await newUser();
    const parent = mail(alice, "Lunch", "p1");
    const other = mail(alice, "Other", "o1");
    await fileMessages(shard(), [parent, other]);
    const reply = mail(alice, "Re: Lunch", "r1", { answers: "P1", sender: "carol@remote.test" });
    await fileMessages(shard(), [reply]);
    expect(await threadOf(alice.id, parent)).toBe(parent.messageId);
    expect(await threadOf(alice.id, other)).toBe(other.messageId);
    // The case of a copied id does not matter.
    expect(await threadOf(alice.id, reply)).toBe(parent.messageId);
  });

  it("follows a References chain whose middle never arrived", async () => {
    const alice = await newUser();
    const root = mail(alice, "Plan", "root");
    await fileMessages(shard(), [root]);
    const late = mail(alice, "Re: Plan", "m3", { answers: "m2", refs: ["root", "m1", "m2"] });
    await fileMessages(shard(), [late]);
    expect(await threadOf(alice.id, late)).toBe(root.messageId);
    // A sibling answering the same missing message joins too, even without References.
    const sibling = mail(alice, "Re: Plan", "m4", { answers: "m2" });
    await fileMessages(shard(), [sibling]);
    expect(await threadOf(alice.id, sibling)).toBe(root.messageId);
  });

  it("takes in a parent that arrives after its child", async () => {
    const alice = await newUser();
    const child = mail(alice, "Re: Late", "c1", { answers: "p1" });
    await fileMessages(shard(), [child]);
    const parent = mail(alice, "Late", "p1");
    const parentFiled = await fileMessages(shard(), [parent]);
    expect(await threadOf(alice.id, parent)).toBe(child.messageId);
    // Nothing stored changed thread: no message.updated.
    expect(parentFiled.events.map((e) => e.type)).toEqual(["message.created", "folder.counts"]);
  });

  it("merges two threads that a late parent joins, into the older, and says so in message.updated", async () => {
    const alice = await newUser();
    const grandparent = mail(alice, "Trip", "g1");
    await fileMessages(shard(), [grandparent]);
    // This child names only its own parent, which has not arrived, and shares no one with the
    // grandparent but alice (so not even its subject joins them): a thread of its own for now.
    const child = mail(alice, "Re: Trip", "c1", { answers: "p1", refs: ["p1"], sender: "carol@remote.test" });
    const grandchild = mail(alice, "Re: Trip", "gc1", { answers: "c1", refs: ["p1", "c1"], sender: "carol@remote.test" });
    await fileMessages(shard(), [child, grandchild]);
    expect(await threadOf(alice.id, child)).toBe(child.messageId);
    expect(await threadOf(alice.id, grandchild)).toBe(child.messageId);

    const parent = mail(alice, "Re: Trip", "p1", { answers: "g1", refs: ["g1"] });
    const result = await fileMessages(shard(), [parent]);
    for (const f of [grandparent, child, grandchild, parent]) expect(await threadOf(alice.id, f)).toBe(grandparent.messageId);
    expect(result.events.map((e) => e.type)).toEqual(["message.updated", "message.updated", "message.created", "folder.counts"]);
    const updated = result.events.flatMap((e) => (e.type === "message.updated" ? [e.data] : []));
    expect(updated.map((d) => d.id).sort()).toEqual([child.messageId, grandchild.messageId].sort());
    expect(updated.every((d) => d.threadId === grandparent.messageId && d.read === false && d.starred === false)).toBe(true);
    const created = result.events.find((e) => e.type === "message.created");
    expect(created?.type === "message.created" && created.data.message.threadId).toBe(grandparent.messageId);

    // Later mail naming the merged thread's ids lands in the merged thread.
    const more = mail(alice, "Re: Trip", "x1", { answers: "gc1" });
    await fileMessages(shard(), [more]);
    expect(await threadOf(alice.id, more)).toBe(grandparent.messageId);
  });

  it("threads the messages of one batch with each other, in any order", async () => {
    const alice = await newUser();
    const a = mail(alice, "Re: Batch", "b2", { answers: "b1" });
    const b = mail(alice, "Batch", "b1");
    const c = mail(alice, "Re: Batch", "b3", { answers: "b2", refs: ["b1", "b2"] });
    const result = await fileMessages(shard(), [a, b, c]);
    expect(new Set([await threadOf(alice.id, a), await threadOf(alice.id, b), await threadOf(alice.id, c)])).toEqual(new Set([a.messageId]));
    // Nothing was stored before the batch: only message.created.
    expect(result.events.map((e) => e.type)).toEqual(["message.created", "message.created", "message.created", "folder.counts"]);
    const created = result.events.flatMap((e) => (e.type === "message.created" ? [e.data.message.threadId] : []));
    expect(new Set(created)).toEqual(new Set([a.messageId]));
  });

  it("keeps users apart: the same ids in another mailbox are another thread", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceParent = mail(alice, "Shared", "s1");
    await fileMessages(shard(), [aliceParent]);
    const bobReply = mail(bob, "Re: Shared", "s2", { answers: "s1" });
    await fileMessages(shard(), [bobReply]);
    expect(await threadOf(bob.id, bobReply)).toBe(bobReply.messageId);
  });

  it("files again without any change: same threads, no events, no new keys", async () => {
    const alice = await newUser();
    const p = mail(alice, "Again", "a1");
    const r = mail(alice, "Re: Again", "a2", { answers: "a1" });
    await fileMessages(shard(), [p, r]);
    const keys = async () => (await shard().client.execute({ sql: "SELECT key, thread_id FROM thread_keys WHERE user_id = ? ORDER BY key", args: [alice.id] })).rows;
    const before = await keys();
    const again = await fileMessages(shard(), [p, r]);
    expect(again.duplicates).toHaveLength(2);
    expect(again.events).toEqual([]);
    expect(await keys()).toEqual(before);
    expect(before.map((k) => k.key)).toEqual(["a1@remote.test", "a2@remote.test"]);
    expect(await threadOf(alice.id, r)).toBe(p.messageId);
  });
});

describe("threading by subject", () => {
  it("threads a reply without ids by its subject when someone other than the owner is in both", async () => {
    const alice = await newUser();
    const original = mail(alice, "Quarterly numbers", "q1", { sender: "bob@remote.test" });
    await fileMessages(shard(), [original]);
    // Outlook-style: no In-Reply-To, no References; markers, a list tag, spacing and case differ.
    const reply = mail(alice, "AW: [finance]  RE[2]: quarterly   NUMBERS", "q2", { sender: "bob@remote.test" });
    const forward = mail(alice, "Fwd: Quarterly numbers", "q3", { sender: "dave@remote.test", cc: [person("bob@remote.test")] });
    await fileMessages(shard(), [reply, forward]);
    expect(await threadOf(alice.id, reply)).toBe(original.messageId);
    expect(await threadOf(alice.id, forward)).toBe(original.messageId);
  });

  it("never threads strangers' mail by subject, nor a repeated subject that is not a reply, nor past the window", async () => {
    const alice = await newUser();
    const hello = mail(alice, "Hello", "h1", { sender: "bob@remote.test" });
    await fileMessages(shard(), [hello]);
    // Only alice in common: strangers.
    const stranger = mail(alice, "Re: Hello", "h2", { sender: "carol@remote.test" });
    // Same sender and subject, but not a reply: a report sent every day is a thread a day.
    const report = mail(alice, "Hello", "h3", { sender: "bob@remote.test" });
    const old = mail(alice, "Re: Hello", "h4", { sender: "bob@remote.test", receivedAt: hello.receivedAt + SUBJECT_WINDOW_MS + DAY, messageId: uuidv7(hello.receivedAt + SUBJECT_WINDOW_MS + DAY) });
    await fileMessages(shard(), [stranger, report]);
    await fileMessages(shard(), [old]);
    expect(await threadOf(alice.id, stranger)).toBe(stranger.messageId);
    expect(await threadOf(alice.id, report)).toBe(report.messageId);
    // A reply by subject alone, but more than the window after the rest.
    expect(await threadOf(alice.id, old)).toBe(old.messageId);
    // An empty subject threads nothing.
    const empty1 = mail(alice, "", "e1", { sender: "bob@remote.test" });
    const empty2 = mail(alice, "Re:", "e2", { sender: "bob@remote.test" });
    await fileMessages(shard(), [empty1, empty2]);
    expect(await threadOf(alice.id, empty2)).toBe(empty2.messageId);
  });

  it("threads the user's own reply in Sent with the message it answers, by ids or by subject", async () => {
    const alice = await newUser();
    const question = mail(alice, "Contract", "k1", { sender: "bob@remote.test" });
    await fileMessages(shard(), [question]);
    const sentById = mail(alice, "Re: Contract", "k2", { answers: "k1", folderRole: "sent", seen: true, sender: alice.address, to: [person("bob@remote.test")] });
    const sentBySubject = mail(alice, "Re: Contract", "k3", { folderRole: "sent", seen: true, sender: alice.address, to: [person("Bob@Remote.test")] });
    await fileMessages(shard(), [sentById, sentBySubject]);
    expect(await threadOf(alice.id, sentById)).toBe(question.messageId);
    expect(await threadOf(alice.id, sentBySubject)).toBe(question.messageId);
  });
});

describe("reading threads", () => {
  it("answers a thread oldest first across folders, with counts; 404 for another user's or an unknown id", async () => {
    const alice = await newUser();
    const mallory = await newUser();
    const p = mail(alice, "Dinner", "d1");
    const r1 = mail(alice, "Re: Dinner", "d2", { answers: "d1", folderRole: "sent", seen: true });
    const r2 = mail(alice, "Re: Dinner", "d3", { answers: "d2" });
    await fileMessages(shard(), [p, r1, r2]);
    await updateMessage(shard(), alice.id, p.messageId, { read: true });
    const thread = await getThread(shard(), alice.id, p.messageId);
    expect(thread).toMatchObject({ id: p.messageId, subject: "Dinner", messageCount: 3, unread: 1 });
    expect(thread.messages.map((m) => m.id)).toEqual([p.messageId, r1.messageId, r2.messageId]);
    await expectNotFound(getThread(shard(), mallory.id, p.messageId));
    await expectNotFound(getThread(shard(), alice.id, uuidv7()));
    await expectNotFound(getThread(shard(), alice.id, "not-an-id"));

    // Deleting keeps it consistent: fewer messages, then none (and so no thread).
    for (const m of [r2, r1, p]) {
      await deleteMessage(shard(), alice.id, m.messageId);
      await deleteMessage(shard(), alice.id, m.messageId);
    }
    await expectNotFound(getThread(shard(), alice.id, p.messageId));
    // A late reply to the deleted thread starts it again under the same id.
    const late = mail(alice, "Re: Dinner", "d4", { answers: "d3" });
    await fileMessages(shard(), [late]);
    expect((await getThread(shard(), alice.id, p.messageId)).messages.map((m) => m.id)).toEqual([late.messageId]);
  });

  it("lists a folder one row per thread, newest message first, paging without repeats or gaps", async () => {
    const alice = await newUser();
    // 12 threads of 1–4 messages in the inbox, interleaved in time; thread 0 also has a reply in Sent.
    const threads: Filing[][] = Array.from({ length: 12 }, () => []);
    const batch: Filing[] = [];
    for (let round = 0; round < 4; round++) {
      for (let t = 0; t < threads.length; t++) {
        if (round >= (t % 4) + 1) continue;
        const f = mail(alice, round === 0 ? `topic ${t}` : `Re: topic ${t}`, `t${t}-${round}`, round === 0 ? {} : { answers: `t${t}-${round - 1}` });
        threads[t]!.push(f);
        batch.push(f);
      }
    }
    const sent = mail(alice, "Re: topic 0", "t0-sent", { answers: "t0-0", folderRole: "sent", seen: true });
    batch.push(sent);
    await fileMessages(shard(), batch);
    const expected = threads
      .map((list) => ({ newest: list.at(-1)!, size: list.length + (list === threads[0] ? 1 : 0) }))
      .sort((a, b) => b.newest.receivedAt - a.newest.receivedAt);

    const rows: { id: string; threadSize?: number }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listMessages(shard(), alice.id, "inbox", { limit: 5, cursor, collapseThreads: true });
      rows.push(...page.messages);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(rows.map((r) => r.id)).toEqual(expected.map((e) => e.newest.messageId));
    expect(rows.map((r) => r.threadSize)).toEqual(expected.map((e) => e.size));
    // Uncollapsed, nothing changes and no threadSize appears.
    const flat = await listMessages(shard(), alice.id, "inbox", { limit: 100 });
    expect(flat.messages).toHaveLength(batch.length - 1);
    expect(flat.messages.every((m) => !("threadSize" in m))).toBe(true);

    // Moving a thread's newest message out shows the one before it; in Archive it stands alone.
    const top = expected[0]!.newest;
    await updateMessage(shard(), alice.id, top.messageId, { folderId: "archive" });
    const after = await listMessages(shard(), alice.id, "inbox", { limit: 50, collapseThreads: true });
    const thread = threads.find((l) => l.includes(top))!;
    expect(after.messages.find((m) => m.threadId === thread[0]!.messageId)?.id).toBe(thread.at(-2)?.messageId);
    const archive = await listMessages(shard(), alice.id, "archive", { limit: 50, collapseThreads: true });
    expect(archive.messages.map((m) => [m.id, m.threadSize])).toEqual([[top.messageId, thread.length]]);
  });

  it("reads a collapsed page from the folder's clustering index with one thread probe per row, no sort", async () => {
    const query = folderPageQuery(shard().db, uuidv7(), uuidv7(), { limit: 50, after: { receivedAt: Date.now(), messageId: uuidv7() }, collapseThreads: true }).toSQL();
    const { rows } = await shard().client.execute({ sql: `EXPLAIN QUERY PLAN ${query.sql}`, args: query.params as string[] });
    const plan = rows.map((r) => String(r.detail)).join("\n");
    expect(plan).toContain("USING INDEX messages_by_folder (user_id=? AND folder_id=?");
    // The newer-in-thread probe and the thread's size, each within the thread's index range.
    expect(plan).toContain("USING COVERING INDEX messages_by_thread (user_id=? AND thread_id=? AND folder_id=?");
    expect(plan).toContain("USING COVERING INDEX messages_by_thread (user_id=? AND thread_id=?)");
    expect(plan).not.toContain("TEMP B-TREE");
    expect(plan).not.toMatch(/^SCAN/m);
  });

  it("keeps events in step: message.created carries the thread, and the log holds what filing returned", async () => {
    const alice = await newUser();
    const p = mail(alice, "Log", "l1");
    const filed = await fileMessages(shard(), [p]);
    const page = (await readEvents(shard(), alice.id, 0, 10))!;
    expect(page.events).toEqual(filed.events);
    const created = page.events[0]!;
    expect(created.type === "message.created" && created.data.message.threadId).toBe(p.messageId);
  });
});
