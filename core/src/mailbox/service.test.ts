// The mailbox service on real libSQL shards and a real local R2: each change is validated, committed
// with its events and then published exactly once; what fails or changes nothing publishes nothing.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { testConfig } from "../../../test/support/temp-core.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { messageTokens } from "../pipeline/spam/bayes.ts";
import type { BlobStore } from "../store/blobs.ts";
import { Directory, type DirectoryUser } from "../store/directory.ts";
import { readEvents } from "../store/events.ts";
import { openLocalR2 } from "../store/local-r2.ts";
import { getMessage, getUsage, listFolders } from "../store/mailbox.ts";
import { Shards } from "../store/shards.ts";
import { createUser } from "./accounts.ts";
import { MailboxService } from "./service.ts";

setLogLevel("silent");
let shards: Shards;
let directory: Directory;
let blobs: BlobStore;
let alice: DirectoryUser;
let mailbox: MailboxService;
let published: CoreEvent[][];
let tokenized: number;

const RAW = Buffer.from("From: Carol <carol@remote.test>\r\nTo: alice@example.test\r\nSubject: Cheap watches\r\n\r\nBuy cheap watches now.\r\n");

async function newMessage(keywords: string[] = []): Promise<string> {
  const key = `raw/service-test/${uuidv7()}.eml`;
  await blobs.put(key, RAW);
  const f = testFiling(alice.id, "Cheap watches", { keywords, raw: { key, offset: 0, length: RAW.length } });
  await mailbox.file(alice.shard, [f]);
  return f.messageId;
}

/** The events the shard holds after `seq`: what was published must be exactly these. */
const storedSince = async (seq: number) => (await readEvents(shards.get(alice.shard), alice.id, seq, 100))!.events;

beforeAll(async () => {
  const config = testConfig(mkdtempSync(path.join(tmpdir(), "mailbox-service-")));
  shards = await Shards.open(config.shards);
  directory = await Directory.open(config.directoryUrl);
  blobs = await openLocalR2(path.join(config.dataDir, "edge", "v3"));
  await directory.addDomain("example.test");
  alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
  mailbox = new MailboxService({
    shards,
    directory,
    blobs,
    log: createLogger(),
    publish: (events) => published.push(events),
    spamTokens: (raw, mail) => {
      tokenized++;
      return messageTokens(raw, mail);
    },
  });
});
afterAll(async () => {
  await blobs?.close();
  shards?.close();
  directory?.close();
});
beforeEach(() => {
  published = [];
  tokenized = 0;
});

describe("MailboxService", () => {
  it("files delivered mail and publishes its events once committed; a refiling publishes nothing", async () => {
    const f = testFiling(alice.id, "hello");
    const first = await mailbox.file(alice.shard, [f]);
    expect(first.filed).toHaveLength(1);
    expect(published).toEqual([first.events]);
    expect(first.events.map((e) => e.type)).toEqual(["message.created", "folder.counts"]);
    expect(await storedSince(first.events[0]!.seq - 1)).toEqual(first.events);
    expect((await mailbox.file(alice.shard, [f])).duplicates).toHaveLength(1);
    expect(published).toHaveLength(1);
  });

  it("changes flags and keywords in one commit, publishes that, and refuses a bad patch before touching anything", async () => {
    const id = await newMessage(["$Junk"]);
    published = [];
    const change = await mailbox.updateMessage(alice, id, { starred: true, keywords: { add: ["watches"], remove: ["$JUNK"] } });
    expect(change.value).toMatchObject({ starred: true, keywords: ["watches"] });
    expect(published).toEqual([change.events]);
    expect(change.events).toEqual(await storedSince(change.events[0]!.seq - 1));
    expect(change.events[0]).toMatchObject({ type: "message.updated", data: { id, starred: true, keywords: ["watches"] } });

    // A door other than HTTP gets the same validation: the field is named, nothing is recorded.
    const refused = await mailbox.updateMessage(alice, id, { keywords: { add: ["$Flagged"] } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).problem).toMatchObject({ status: 400, errors: [{ field: "keywords.add.0", message: expect.stringMatching(/starred/) }] });
    // Another user's message, or none: 404, nothing published.
    await expect(mailbox.updateMessage(alice, uuidv7(), { read: true })).rejects.toMatchObject({ problem: { status: 404 } });
    // Nothing to change: nothing published.
    await mailbox.updateMessage(alice, id, { starred: true });
    expect(published).toHaveLength(1);
    expect((await getMessage(shards.get(alice.shard), alice.id, id)).keywords).toEqual(["watches"]);
  });

  it("teaches the spam filter on a move into Junk and on a report, once per message", async () => {
    const moved = await newMessage();
    await mailbox.updateMessage(alice, moved, { folderId: "junk" });
    expect(tokenized).toBe(1);
    // Reported after the move: already learnt as spam, so nothing is read or learnt again.
    await mailbox.reportSpam(alice, moved);
    expect(tokenized).toBe(1);
    const junk = (await listFolders(shards.get(alice.shard), alice.id)).find((f) => f.role === "junk")!;
    const inbox = (await listFolders(shards.get(alice.shard), alice.id)).find((f) => f.role === "inbox")!;
    expect((await getMessage(shards.get(alice.shard), alice.id, moved)).folderId).toBe(junk.id);

    const back = await mailbox.reportNotSpam(alice, moved);
    expect(back.value.folderId).toBe(inbox.id);
    expect(back.events[0]).toMatchObject({ type: "message.updated", data: { folderId: inbox.id, previousFolderId: junk.id } });
    expect(published.at(-1)).toEqual(back.events);
    // The change of mind is learnt (the spam lesson taken back, ham learnt).
    expect(tokenized).toBe(2);
    await expect(mailbox.reportNotSpam(alice, uuidv7())).rejects.toMatchObject({ problem: { status: 404 } });
  });

  it("changes many messages in one commit, publishes it once, and teaches the filter each moved message", async () => {
    const ids = [await newMessage(), await newMessage()];
    const already = await newMessage();
    await mailbox.updateMessage(alice, already, { folderId: "junk" });
    published = [];
    tokenized = 0;
    const stranger = uuidv7();
    const change = await mailbox.updateMessages(alice, [...ids, already, stranger], { folderId: "junk" });
    expect(change.value.notFound).toEqual([stranger]);
    expect(published).toEqual([change.events]);
    expect(change.events).toEqual(await storedSince(change.events[0]!.seq - 1));
    // The two moved are learnt; the one already in Junk did not move and is not read again.
    expect(tokenized).toBe(2);
    const refused = await mailbox.updateMessages(alice, [ids[0]!, ids[0]!], { read: true }).catch((e: unknown) => e);
    expect((refused as ProblemError).problem).toMatchObject({ status: 400, errors: [{ field: "ids" }] });
    const badPatch = await mailbox.updateMessages(alice, ids, { keywords: { add: ["$Seen"] } }).catch((e: unknown) => e);
    expect((badPatch as ProblemError).problem).toMatchObject({ status: 400, errors: [{ field: "patch.keywords.add.0" }] });
    expect(published).toHaveLength(1);
  });

  it("deletes to Trash, then for good, publishing each step", async () => {
    const id = await newMessage();
    published = [];
    const trashed = await mailbox.deleteMessage(alice, id);
    expect(trashed.value).toEqual({ id, deleted: "moved-to-trash" });
    const gone = await mailbox.deleteMessage(alice, id);
    expect(gone.value).toEqual({ id, deleted: "permanently" });
    expect(published).toEqual([trashed.events, gone.events]);
    expect(gone.events.map((e) => e.type)).toEqual(["message.deleted", "folder.counts"]);
  });

  it("deletes many at once: those outside Trash to Trash, those in it for good, counts and quota following", async () => {
    const inbox = [await newMessage(), await newMessage()];
    const inTrash = await newMessage();
    await mailbox.deleteMessage(alice, inTrash);
    const bob = await createUser({ directory, shards }, { address: `bob-${uuidv7().slice(-6)}@example.test`, password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    const bobsFiling = testFiling(bob.id, "Bob's own");
    await mailbox.file(bob.shard, [bobsFiling]);
    const usage = () => getUsage(shards.get(alice.shard), alice.id);
    const usedBefore = (await usage())!;
    const removedSize = (await getMessage(shards.get(alice.shard), alice.id, inTrash))!.size;
    const folders = async () => new Map((await listFolders(shards.get(alice.shard), alice.id)).map((f) => [f.role, f]));
    const was = await folders();
    published = [];
    const unknown = uuidv7();
    const change = await mailbox.deleteMessages(alice, [...inbox, inTrash, bobsFiling.messageId, unknown]);
    expect(change.value).toEqual({ trashed: inbox, deleted: [inTrash], notFound: [bobsFiling.messageId, unknown] });
    expect(published).toEqual([change.events]);
    expect(change.events).toEqual(await storedSince(change.events[0]!.seq - 1));
    expect(change.events.filter((e) => e.type === "message.deleted").map((e) => e.data.id)).toEqual([inTrash]);
    const now = await folders();
    expect(now.get("inbox")!.total).toBe(was.get("inbox")!.total - 2);
    expect(now.get("trash")!.total).toBe(was.get("trash")!.total + 2 - 1);
    await expect(getMessage(shards.get(alice.shard), alice.id, inTrash)).rejects.toMatchObject({ problem: { status: 404 } });
    // Bob's message is untouched, and the quota given back is the one removed message's size.
    expect(await getMessage(shards.get(bob.shard), bob.id, bobsFiling.messageId)).toMatchObject({ id: bobsFiling.messageId });
    expect(await usage()).toMatchObject({ usedBytes: usedBefore.usedBytes - removedSize, messageCount: usedBefore.messageCount - 1 });
    const refused = await mailbox.deleteMessages(alice, []).catch((e: unknown) => e);
    expect((refused as ProblemError).problem).toMatchObject({ status: 400, errors: [{ field: "ids" }] });
  });

  it("files a message of its own (a DSN) once: stored, parsed, filed and published", async () => {
    const dsn = Buffer.from("From: Mail Delivery System <postmaster@mx.example.test>\r\nTo: alice@example.test\r\nSubject: Undelivered Mail\r\n\r\nIt could not be delivered.\r\n");
    const messageId = uuidv7();
    const target = { messageId, folderRole: "inbox" as const, seen: false, receivedAt: Date.now() };
    const filed = await mailbox.fileOwnMessage(alice, dsn, `raw/dsn/${messageId}.eml`, target);
    expect(filed.filed).toHaveLength(1);
    expect(published).toEqual([filed.events]);
    expect(Buffer.from((await blobs.get(`raw/dsn/${messageId}.eml`))!).equals(dsn)).toBe(true);
    expect(await getMessage(shards.get(alice.shard), alice.id, messageId)).toMatchObject({ subject: "Undelivered Mail", text: expect.stringContaining("could not be delivered") });
    expect((await mailbox.fileOwnMessage(alice, dsn, `raw/dsn/${messageId}.eml`, target)).duplicates).toHaveLength(1);
    expect(published).toHaveLength(1);
  });
});
