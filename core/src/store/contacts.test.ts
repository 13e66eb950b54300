// Contacts on real libSQL shard files: counted when mail is filed into Sent (and only then), ranked by
// how often and how recently, matched by prefix; and migration 0006's backfill from older Sent mail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { oldShard } from "../../../test/support/old-shard.ts";
import { testFiling } from "../../../test/support/filing.ts";
import { listContacts, nameKey } from "./contacts.ts";
import { fileMessages } from "./filing.ts";
import { createMailbox, deleteMailbox } from "./mailbox.ts";
import { Shards } from "./shards.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("shard-");
let shards: Shards;
const shard = () => shards.get("s0");
const alice = uuidv7();
const bob = uuidv7();
const DAY = 86_400_000;

const sent = (userId: string, receivedAt: number, to: { name?: string; address: string }[], extra: { cc?: typeof to; bcc?: typeof to } = {}) =>
  testFiling(userId, `sent ${receivedAt}`, {
    messageId: uuidv7(receivedAt),
    receivedAt,
    folderRole: "sent",
    seen: true,
    to: to.map((a) => ({ name: a.name ?? "", address: a.address })),
    cc: (extra.cc ?? []).map((a) => ({ name: a.name ?? "", address: a.address })),
    bcc: (extra.bcc ?? []).map((a) => ({ name: a.name ?? "", address: a.address })),
  });

const contactsOf = (userId: string, q = "", limit = 10, now = Date.now()) => listContacts(shard().db, userId, { q, limit, now });
const addresses = async (userId: string, q = "", limit = 10, now?: number) => (await contactsOf(userId, q, limit, now)).map((c) => c.address);

beforeAll(async () => {
  shards = await Shards.open([await databases.open("s0")]);
  await createMailbox(shard(), { userId: alice, address: "alice@example.test", quotaBytes: 10 ** 9 });
  await createMailbox(shard(), { userId: bob, address: "bob@example.test", quotaBytes: 10 ** 9 });
});
afterAll(async () => {
  shards.close();
  await databases.close();
});

describe("contacts", () => {
  it("count every recipient of mail filed into Sent (to, cc, bcc) once per message, never oneself, never received mail", async () => {
    const now = Date.now();
    const twice = sent(alice, now - 2000, [{ name: "Carol Jones", address: "Carol@Example.ORG" }], { cc: [{ address: "carol@example.org" }], bcc: [{ address: "dan@example.net" }] });
    expect((await fileMessages(shard(), [twice, sent(alice, now - 1000, [{ address: "carol@example.org" }, { address: "alice@example.test" }])])).filed).toHaveLength(2);
    // A refiling (after a crash) files nothing and counts nothing.
    expect((await fileMessages(shard(), [twice])).duplicates).toHaveLength(1);
    // Mail the user received names people too, but not people the user mailed, even when a filter
    // files it into a folder named Sent.
    await fileMessages(shard(), [
      testFiling(alice, "to alice", { from: { name: "Eve", address: "eve@example.com" }, cc: [{ name: "", address: "frank@example.com" }] }),
      testFiling(alice, "filtered", { folderName: "Sent", cc: [{ name: "", address: "gina@example.com" }] }),
    ]);

    const list = await contactsOf(alice);
    expect(list).toEqual([
      { address: "carol@example.org", name: "Carol Jones", timesMailed: 2, lastMailedAt: new Date(now - 1000).toISOString() },
      { address: "dan@example.net", name: "", timesMailed: 1, lastMailedAt: new Date(now - 2000).toISOString() },
    ]);
    expect(await contactsOf(bob)).toEqual([]);
  });

  it("rank by how often, faded by how long ago", async () => {
    const now = Date.now();
    const user = uuidv7();
    await createMailbox(shard(), { userId: user, address: "ranker@example.test", quotaBytes: 10 ** 9 });
    const filings = [
      // Mailed five times, a year ago.
      ...Array.from({ length: 5 }, (_, i) => sent(user, now - 365 * DAY + i * 1000, [{ address: "old-friend@example.org" }])),
      // Mailed twice this week, and once today.
      sent(user, now - 3 * DAY, [{ address: "colleague@example.org" }]),
      sent(user, now - 2 * DAY, [{ address: "colleague@example.org" }]),
      sent(user, now - 1000, [{ address: "new@example.org" }]),
    ];
    await fileMessages(shard(), filings);
    expect(await addresses(user, "", 10, now)).toEqual(["colleague@example.org", "new@example.org", "old-friend@example.org"]);
    expect(await addresses(user, "", 2, now)).toEqual(["colleague@example.org", "new@example.org"]);
  });

  it("match a prefix of the address, the name or a word of it, in any case and without accents", async () => {
    const user = uuidv7();
    await createMailbox(shard(), { userId: user, address: "matcher@example.test", quotaBytes: 10 ** 9 });
    const now = Date.now();
    await fileMessages(shard(), [
      sent(user, now - 5000, [
        { name: "Émile Zola", address: "ez@example.fr" },
        { name: "Jean-Luc O'Brien", address: "jl@example.ie" },
        { name: "", address: "percent_100@example.com" },
        { name: "Smith, Anna", address: "a.smith@example.com" },
      ]),
    ]);
    expect(await addresses(user, "EZ")).toEqual(["ez@example.fr"]);
    expect(await addresses(user, "emi")).toEqual(["ez@example.fr"]);
    expect(await addresses(user, "Zol")).toEqual(["ez@example.fr"]);
    expect(await addresses(user, "luc")).toEqual(["jl@example.ie"]);
    expect(await addresses(user, "obri")).toEqual(["jl@example.ie"]);
    expect(await addresses(user, "anna")).toEqual(["a.smith@example.com"]);
    expect(await addresses(user, "smith a")).toEqual(["a.smith@example.com"]);
    expect((await addresses(user, "a.s"))).toEqual(["a.smith@example.com"]);
    // Inside a word is no prefix; LIKE's wildcards are plain characters.
    expect(await addresses(user, "ola")).toEqual([]);
    expect(await addresses(user, "percent_")).toEqual(["percent_100@example.com"]);
    expect(await addresses(user, "percent%")).toEqual([]);
    expect(await addresses(user, "p_r")).toEqual([]);
    expect(nameKey("  Jean-Luc  O’Brien ")).toBe("jean luc obrien");
  });

  it("the latest name given wins; mail without one keeps it", async () => {
    const user = uuidv7();
    await createMailbox(shard(), { userId: user, address: "namer@example.test", quotaBytes: 10 ** 9 });
    const now = Date.now();
    await fileMessages(shard(), [sent(user, now - 3000, [{ name: "Bobby", address: "r@example.org" }])]);
    await fileMessages(shard(), [sent(user, now - 2000, [{ name: "Robert Roe", address: "r@example.org" }])]);
    await fileMessages(shard(), [sent(user, now - 1000, [{ address: "r@example.org" }])]);
    expect(await contactsOf(user)).toEqual([{ address: "r@example.org", name: "Robert Roe", timesMailed: 3, lastMailedAt: new Date(now - 1000).toISOString() }]);
    expect(await addresses(user, "rob")).toEqual(["r@example.org"]);
    expect(await addresses(user, "bobby")).toEqual([]);
    await deleteMailbox(shard(), user);
    expect(await contactsOf(user)).toEqual([]);
  });
});

describe("migration 0006_contacts", () => {
  it("counts the recipients of Sent mail filed before it, and filing goes on counting", async () => {
    const { file, client: old } = await oldShard(5);
    const userId = uuidv7();
    const [inbox, sentFolder] = [uuidv7(), uuidv7()];
    const t = Date.now() - 10_000;
    const message = (at: number, folderId: string, to: string, cc = "[]") => ({
      sql: `INSERT INTO messages (user_id, message_id, folder_id, received_at, size, subject, to_json, cc_json, thread_id, raw_key, raw_offset, raw_length)
            VALUES (?, ?, ?, ?, 10, 'old', ?, ?, 'x', 'raw/x', 0, 10)`,
      args: [userId, uuidv7(at), folderId, at, to, cc],
    });
    await old.batch([
      { sql: "INSERT INTO mailboxes (user_id, address, quota_bytes, created_at, user_no) VALUES (?, 'alice@example.test', 1000000, 0, 1)", args: [userId] },
      { sql: "INSERT INTO folders (user_id, folder_id, name, role, created_at) VALUES (?, ?, 'Inbox', 'inbox', 0), (?, ?, 'Sent', 'sent', 0)", args: [userId, inbox, userId, sentFolder] },
      message(t, sentFolder, JSON.stringify([{ name: "Carol", address: "Carol@Example.org" }, { name: "", address: "alice@example.test" }]), JSON.stringify([{ name: "", address: "dan@example.net" }])),
      message(t + 1000, sentFolder, JSON.stringify([{ name: "Carol C.", address: "carol@example.org" }]), JSON.stringify([{ name: "", address: "carol@example.org" }])),
      message(t + 2000, sentFolder, JSON.stringify([{ name: "", address: "carol@example.org" }, { name: "", address: "not an address" }])),
      message(t + 3000, inbox, JSON.stringify([{ name: "", address: "alice@example.test" }]), JSON.stringify([{ name: "Eve", address: "eve@example.com" }])),
    ]);
    old.close();

    const migrated = await Shards.open([{ name: "s0", url: `file:${file}` }]);
    try {
      const db = migrated.get("s0").db;
      expect(await listContacts(db, userId, { q: "", limit: 10, now: t + 3000 })).toEqual([
        { address: "carol@example.org", name: "Carol C.", timesMailed: 3, lastMailedAt: new Date(t + 2000).toISOString() },
        { address: "dan@example.net", name: "", timesMailed: 1, lastMailedAt: new Date(t).toISOString() },
      ]);
      expect((await listContacts(db, userId, { q: "carol c", limit: 10, now: t })).map((c) => c.address)).toEqual(["carol@example.org"]);
      await fileMessages(migrated.get("s0"), [sent(userId, t + 4000, [{ address: "dan@example.net" }])]);
      expect((await listContacts(db, userId, { q: "d", limit: 10, now: t + 4000 }))[0]).toMatchObject({ address: "dan@example.net", timesMailed: 2 });
    } finally {
      migrated.close();
    }
  });
});
