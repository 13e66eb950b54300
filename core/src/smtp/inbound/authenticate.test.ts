// Sender authentication over real SMTP: the core's resolver asks a real DNS server on loopback for
// the made-up domains' SPF, DKIM and DMARC records, exactly as it would ask the internet's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsServer, type DnsServer } from "../../../../test/support/dns-server.ts";
import { sendMail } from "../../../../test/support/smtp-client.ts";
import { storedRaw } from "../../../../test/support/stored-raw.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { getMessage, listMessages } from "../../store/mailbox.ts";
import { authenticate, sealMessage } from "mailauth";
import { createResolver } from "../../dns.ts";
import { newDkimKey, signDkim } from "../../mail-format/dkim.ts";
import { stripForgedResults } from "./authenticate.ts";

let dns: DnsServer;
let core: TempCore;
let alice: { id: string; shard: string };
const goodKey = newDkimKey("good.test");
// The ARC key of a mailing list that re-sends good.test's mail with a footer added.
const listKey = newDkimKey("lists.test");

const mail = (from: string, subject: string, extra = "") =>
  Buffer.from(`From: ${from}\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@x.test>\r\n${extra}\r\nHello Alice.\r\n`);

async function filed(subject: string) {
  await core.pipeline.idle();
  for (const folder of ["inbox", "junk"] as const) {
    const page = await listMessages(core.shards.get(alice.shard), alice.id, folder, { limit: 100 });
    const m = page.messages.find((x) => x.subject === subject);
    if (m) return { folder, id: m.id, raw: await storedRaw(core, alice.shard, m.id) };
  }
  return null;
}

beforeAll(async () => {
  dns = await startDnsServer({
    // good.test: SPF allows loopback, DKIM key published, DMARC reject (it all passes).
    "good.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
    [`${goodKey.selector}._domainkey.good.test`]: { TXT: [`v=DKIM1; k=rsa; p=${goodKey.publicKey}`] },
    "_dmarc.good.test": { TXT: ["v=DMARC1; p=reject"] },
    // strict.test: only some other server may send, and failures are to be rejected.
    "strict.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
    "_dmarc.strict.test": { TXT: ["v=DMARC1; p=reject"] },
    // careful.test: failures are to be quarantined.
    "careful.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
    "_dmarc.careful.test": { TXT: ["v=DMARC1; p=quarantine"] },
    [`${listKey.selector}._domainkey.lists.test`]: { TXT: [`v=DKIM1; k=rsa; p=${listKey.publicKey}`] },
    "lists.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] },
  });
  core = await startTempCore({ DNS_SERVERS: dns.address });
  alice = await core.addUser("alice@example.test");
});
afterAll(async () => {
  await core?.destroy();
  await dns?.close();
});

describe("sender authentication at DATA", () => {
  it("passes SPF, DKIM and DMARC for a domain's own mail and says so in Authentication-Results", async () => {
    const signed = await signDkim(mail("News <news@good.test>", "good news"), goodKey);
    expect(await sendMail(core.smtpPort, "news@good.test", ["alice@example.test"], signed)).toMatch(/^250 /);
    const m = await filed("good news");
    expect(m?.folder).toBe("inbox");
    const results = /^Authentication-Results: mx\.test;[\s\S]*?(?=\r\n\S)/m.exec(m!.raw)?.[0] ?? "";
    expect(results).toMatch(/spf=pass/);
    expect(results).toMatch(/dkim=pass header\.i=@good\.test/);
    expect(results).toMatch(/dmarc=pass/);
    // What a client reads to show the sender as verified.
    const read = await getMessage(core.shards.get(alice.shard), alice.id, m!.id);
    expect(read.authentication).toEqual({ senderVerified: true, fromDomain: "good.test", spf: "pass", dkim: "pass", dmarc: "pass", arc: "none" });
    // The lookups went to the configured server, not anywhere else.
    expect(dns.queries.get("_dmarc.good.test/TXT")).toBeGreaterThan(0);
  });

  it("refuses an aligned failure of a p=reject domain with 550 5.7.1 at the end of DATA, and files nothing", async () => {
    const reply = await sendMail(core.smtpPort, "ceo@strict.test", ["alice@example.test"], mail("CEO <ceo@strict.test>", "wire transfer"));
    expect(reply).toMatch(/^550 5\.7\.1 .*DMARC/);
    expect(await filed("wire transfer")).toBeNull();
  });

  it("refuses a forged From of a p=reject domain even when the envelope sender's domain passes SPF", async () => {
    const reply = await sendMail(core.smtpPort, "news@good.test", ["alice@example.test"], mail("Boss <boss@strict.test>", "forged from"));
    expect(reply).toMatch(/^550 5\.7\.1 /);
  });

  it("trusts a valid ARC chain: a list's copy that broke DKIM and fails DMARC p=reject goes to junk, not refused", async () => {
    // At the list: the original is authenticated (DKIM passes), a footer is added (breaking DKIM),
    // and the list seals what it sends with ARC, recording the original's results.
    const original = await signDkim(mail("News <news@good.test>", "list copy"), goodKey);
    const resolver = (name: string, type: string) => createResolver([dns.address]).resolve(name, type);
    const atList = await authenticate(original, { ip: "127.0.0.1", helo: "mail.good.test", sender: "news@good.test", mta: "lists.test", resolver } as Parameters<typeof authenticate>[1]);
    expect(atList.dkim.results[0]!.status.result).toBe("pass");
    const modified = Buffer.concat([original, Buffer.from("-- \r\nThe good.test news list\r\n")]);
    const arc = atList.arc as Exclude<typeof atList.arc, false>;
    const seal = await sealMessage(modified, { signingDomain: "lists.test", selector: listKey.selector, privateKey: listKey.privateKey, authResults: arc.authResults, cv: arc.status.result } as Parameters<typeof sealMessage>[1]);
    expect(seal.length).toBeGreaterThan(0);
    const forwarded = Buffer.concat([Buffer.from(seal), modified]);

    expect(await sendMail(core.smtpPort, "bounces@lists.test", ["alice@example.test"], forwarded)).toMatch(/^250 /);
    const m = await filed("list copy");
    expect(m?.folder).toBe("junk");
    expect(m!.raw).toMatch(/arc=pass/);
    expect(m!.raw).toMatch(/dmarc=fail/);
    // The same copy without the seal is refused, as the domain asks.
    expect(await sendMail(core.smtpPort, "bounces@lists.test", ["alice@example.test"], modified)).toMatch(/^550 5\.7\.1 /);
  });

  it("sends a p=quarantine failure to junk", async () => {
    expect(await sendMail(core.smtpPort, "shop@careful.test", ["alice@example.test"], mail("Shop <shop@careful.test>", "quarantined offer"))).toMatch(/^250 /);
    const m = await filed("quarantined offer");
    expect(m?.folder).toBe("junk");
    expect(m!.raw).toMatch(/dmarc=fail/);
  });

  it("replaces an Authentication-Results header that a sender forged in our name", async () => {
    const forged = mail("Someone <someone@nowhere.test>", "forged results", "Authentication-Results: mx.test; dkim=pass header.i=@bank.test; dmarc=pass\r\nAuthentication-Results: other.example; spf=pass\r\nX-Spam-Status: No, score=-100\r\n");
    expect(await sendMail(core.smtpPort, "someone@nowhere.test", ["alice@example.test"], forged)).toMatch(/^250 /);
    const m = await filed("forged results");
    expect(m!.raw).not.toContain("header.i=@bank.test");
    expect(m!.raw).not.toContain("score=-100");
    // Another server's results are its own business and stay.
    expect(m!.raw).toContain("Authentication-Results: other.example; spf=pass");
    expect(m!.raw).toMatch(/Authentication-Results: mx\.test;[\s\S]*dmarc=none/);
    const read = await getMessage(core.shards.get(alice.shard), alice.id, m!.id);
    expect(read.authentication).toMatchObject({ senderVerified: false, dkim: "none", dmarc: "none" });
  });
});

describe("stripForgedResults", () => {
  it("removes folded fields of our authserv-id only and keeps the bytes of the rest", () => {
    const raw = Buffer.concat([Buffer.from("Authentication-Results: MX.test;\r\n dkim=pass\r\nSubject: caf"), Buffer.from([0xe9]), Buffer.from("\r\nAuthentication-Results: mx.test.evil; spf=pass\r\n\r\nbody\r\n")]);
    const out = stripForgedResults(raw, "mx.test");
    expect(out.includes(Buffer.from("dkim=pass"))).toBe(false);
    expect(out.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe(true);
    expect(out.toString("latin1")).toContain("Authentication-Results: mx.test.evil; spf=pass\r\n\r\nbody\r\n");
  });
});
