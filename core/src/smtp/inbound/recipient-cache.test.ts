// The MX's cache of directory answers, over real SMTP against a real core (libSQL directory and
// shards): found users are kept for the TTL, unknown addresses never are, and a user removed or
// replaced under a cached answer is answered as the directory now says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smtpConnect } from "../../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { removeUser } from "../../mailbox/accounts.ts";
import { RecipientCache } from "./recipient-cache.ts";

let core: TempCore;

beforeAll(async () => {
  // A TTL far longer than the test: whatever the MX answers after a change comes from the directory, not the clock.
  core = await startTempCore({ SMTP_RECIPIENT_CACHE_SECONDS: "3600" });
  await core.addUser("anchor@example.test"); // the domain is hosted
});
afterAll(() => core?.destroy());

async function rcpt(address: string): Promise<string> {
  const s = await smtpConnect(core.smtpPort);
  await s.command("EHLO client.test");
  await s.command("MAIL FROM:<bob@remote.test>");
  const reply = await s.command(`RCPT TO:<${address}>`);
  await s.close();
  return reply;
}

describe("RCPT with the recipient cache", () => {
  it("accepts an address the moment it is created, though it was just refused as unknown", async () => {
    expect(await rcpt("newcomer@example.test")).toMatch(/^550 5\.1\.1 /);
    await core.addUser("newcomer@example.test");
    expect(await rcpt("newcomer@example.test")).toMatch(/^250 /);
  });

  it("refuses a removed user at once, and accepts the address again for whoever gets it next", async () => {
    await core.addUser("leaver@example.test");
    expect(await rcpt("leaver@example.test")).toMatch(/^250 /); // now cached
    await removeUser({ directory: core.directory, shards: core.shards }, "leaver@example.test");
    expect(await rcpt("leaver@example.test")).toMatch(/^550 5\.1\.1 /);
    const successor = await core.addUser("leaver@example.test");
    expect(await rcpt("Leaver@Example.test")).toMatch(/^250 /);
    // The mail goes to the new user, not to the one the cache once named.
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<bob@remote.test>");
    expect(await s.command("RCPT TO:<leaver@example.test>")).toMatch(/^250 /);
    expect(await s.command("DATA")).toMatch(/^354 /);
    expect(await s.command("From: bob@remote.test\r\nSubject: to the successor\r\n\r\nHi.\r\n.")).toMatch(/^250 /);
    await s.close();
    await core.pipeline.idle();
    const usage = await core.shards.get(successor.shard).db.query.mailboxes.findFirst({ where: (m, { eq }) => eq(m.userId, successor.id) });
    expect(usage?.messageCount).toBe(1);
  });
});

describe("RecipientCache", () => {
  it("keeps found users for the TTL only, and never an unknown address", async () => {
    let now = 1_000_000;
    let lookups = 0;
    const directory = { resolve: (a: string) => (lookups++, core.directory.resolve(a)) };
    const cache = new RecipientCache(directory, { ttlMs: 5000, clock: () => now });
    const user = await core.addUser("cached@example.test");
    await core.directory.addAlias("team@example.test", user.id);
    expect(await cache.resolve("team@example.test")).toMatchObject({ kind: "user", user: { id: user.id } });
    await core.directory.removeAlias("team@example.test");
    expect(await cache.resolve("TEAM@example.test")).toMatchObject({ kind: "user", user: { id: user.id } });
    expect(lookups).toBe(1);
    now += 5001;
    expect(await cache.resolve("team@example.test")).toMatchObject({ kind: "unknown-user" });
    expect(await cache.resolve("team@example.test")).toMatchObject({ kind: "unknown-user" });
    expect(lookups).toBe(3);
  });

  it("holds at most `capacity` addresses", async () => {
    let lookups = 0;
    const counting = new RecipientCache({ resolve: (a) => (lookups++, core.directory.resolve(a)) }, { ttlMs: 60_000, capacity: 2 });
    for (const a of ["newcomer", "cached", "leaver"]) await counting.resolve(`${a}@example.test`);
    await counting.resolve("newcomer@example.test"); // the oldest was let go: asked again
    expect(lookups).toBe(4);
  });
});
