// The users' filters on real mail: SMTP into a real core, Sieve scripts and JSON rules from the
// shard, forwards and vacation answers delivered over SMTP to a sink on loopback.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFilters } from "../../../shared/filters-sieve.ts";
import { FilterSettings } from "../../../shared/filters.ts";
import { startDnsServer, type DnsServer } from "../../../test/support/dns-server.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startSmtpSink, type SmtpSink } from "../../../test/support/smtp-sink.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { srsReverse } from "../mail-format/srs.ts";
import { saveFilters } from "../store/filters.ts";
import { getMessage, listFolders, listMessages } from "../store/mailbox.ts";
import { until } from "../../../test/support/until.ts";

let dns: DnsServer;
let sink: SmtpSink;
let core: TempCore;
let alice: { id: string; shard: string };
let bob: { id: string; shard: string };

const mail = (subject: string, opts: { from?: string; to?: string; extra?: string; body?: string } = {}) =>
  `From: ${opts.from ?? "Carol <carol@remote.test>"}\r\nTo: ${opts.to ?? "alice@example.test"}\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@remote.test>\r\n${opts.extra ?? ""}\r\n${opts.body ?? "Hello Alice."}\r\n`;

async function find(user: { id: string; shard: string }, subject: string) {
  await core.pipeline.idle();
  const shard = core.shards.get(user.shard);
  const found: { folder: string; message: Awaited<ReturnType<typeof getMessage>> }[] = [];
  for (const folder of await listFolders(shard, user.id)) {
    const page = await listMessages(shard, user.id, folder.id, { limit: 200 });
    for (const m of page.messages.filter((x) => x.subject === subject)) found.push({ folder: folder.name, message: await getMessage(shard, user.id, m.id) });
  }
  return found;
}


const rules = (settings: unknown) => compileFilters(FilterSettings.parse(settings));

beforeAll(async () => {
  dns = await startDnsServer({
    "careful.test": { TXT: ["v=spf1 ip4:192.0.2.1 -all"] },
    "_dmarc.careful.test": { TXT: ["v=DMARC1; p=quarantine"] },
  });
  sink = await startSmtpSink();
  core = await startTempCore({ DNS_SERVERS: dns.address, TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port},elsewhere.test=127.0.0.1:${sink.port}` });
  alice = await core.addUser("alice@example.test");
  bob = await core.addUser("bob@example.test");
});
afterAll(async () => {
  await core?.destroy();
  await sink?.close();
  await dns?.close();
});

describe("Sieve filters at delivery", () => {
  it("files into a folder of the user's (made when missing) with flags and keywords, and keeps a :copy in the inbox", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, `require ["fileinto", "imap4flags", "copy"];\nif header :contains "subject" "invoice" {\n  fileinto :copy :flags ["\\\\Flagged", "accounts"] "Bills";\n}\n`, null);
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("your invoice 42"))).toMatch(/^250 /);
    const copies = await find(alice, "your invoice 42");
    expect(copies.map((c) => c.folder).sort()).toEqual(["Bills", "Inbox"]);
    const bills = copies.find((c) => c.folder === "Bills")!.message;
    expect([bills.starred, bills.keywords]).toEqual([true, ["accounts"]]);
    expect(copies.find((c) => c.folder === "Inbox")!.message.starred).toBe(false);
  });

  it("lets a script read the X-Spam headers and the text of an HTML-only message, as Dovecot users' scripts do", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, `require ["fileinto", "body"];\nif header :contains "X-Spam-Status" "tests=" { if body :text :contains "quarterly" { fileinto "Reports"; } }\n`, null);
    const html = mail("numbers", { extra: "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n", body: "<html><body><p>The <b>quarterly</b> numbers.</p></body></html>" });
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], html)).toMatch(/^250 /);
    expect((await find(alice, "numbers")).map((c) => c.folder)).toEqual(["Reports"]);
  });

  it("discards what a rule discards, and files the rest normally", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, rules({ rules: [{ conditions: { from: "pest@remote.test" }, actions: { discard: true } }] }), null);
    expect(await sendMail(core.smtpPort, "pest@remote.test", ["alice@example.test"], mail("annoying", { from: "pest@remote.test" }))).toMatch(/^250 /);
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("welcome"))).toMatch(/^250 /);
    expect(await find(alice, "annoying")).toEqual([]);
    expect((await find(alice, "welcome")).map((c) => c.folder)).toEqual(["Inbox"]);
  });

  it("applies JSON rules: move, label, mark read and star add up", async () => {
    await saveFilters(
      core.shards.get(alice.shard),
      alice.id,
      rules({
        rules: [
          { conditions: { from: "boss@remote.test" }, actions: { moveTo: "Work", star: true } },
          { conditions: { subject: "report" }, actions: { label: ["reports"], markRead: true } },
        ],
      }),
      null,
    );
    expect(await sendMail(core.smtpPort, "boss@remote.test", ["alice@example.test"], mail("weekly report", { from: "Boss <boss@remote.test>" }))).toMatch(/^250 /);
    const [copy] = await find(alice, "weekly report");
    expect([copy!.folder, copy!.message.starred, copy!.message.read, copy!.message.keywords]).toEqual(["Work", true, true, ["reports"]]);
  });

  it("keeps mail the sender's DMARC policy quarantines in Junk, unless a rule says never spam", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, rules({ rules: [{ conditions: { subject: "trusted" }, actions: { neverSpam: true, moveTo: "Shops" } }] }), null);
    expect(await sendMail(core.smtpPort, "shop@careful.test", ["alice@example.test"], mail("deal of the day", { from: "shop@careful.test" }))).toMatch(/^250 /);
    expect(await sendMail(core.smtpPort, "shop@careful.test", ["alice@example.test"], mail("trusted shop news", { from: "shop@careful.test" }))).toMatch(/^250 /);
    const [junked] = await find(alice, "deal of the day");
    expect([junked!.folder, junked!.message.keywords]).toEqual(["Junk", ["$Junk"]]);
    const [kept] = await find(alice, "trusted shop news");
    expect([kept!.folder, kept!.message.keywords]).toEqual(["Shops", ["$NotJunk"]]);
  });
});

describe("mail between users of this service", () => {
  it("runs the recipient's filters on mail another user sends them", async () => {
    await saveFilters(core.shards.get(bob.shard), bob.id, rules({ rules: [{ conditions: { from: "alice@example.test" }, actions: { moveTo: "From Alice", label: ["colleague"] } }] }), null);
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: core.submissionPort, secure: false, ignoreTLS: true, auth: { user: "alice@example.test", pass: "correct horse battery" } });
    await transport.sendMail({ from: "alice@example.test", to: "bob@example.test", subject: "internal memo", text: "Hi Bob." });
    const deadline = Date.now() + 15_000;
    let copies = await find(bob, "internal memo");
    while (copies.length === 0 && Date.now() < deadline) copies = await find(bob, "internal memo");
    expect(copies.map((c) => [c.folder, c.message.keywords])).toEqual([["From Alice", ["colleague"]]]);
    await saveFilters(core.shards.get(bob.shard), bob.id, rules({ rules: [] }), null);
  });
});

describe("forwarding", () => {
  it("forwards a copy through the outbound queue with an SRS envelope sender that reverses to the original sender", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, rules({ rules: [{ conditions: { subject: "fwd me" }, actions: { forwardTo: "alice.other@elsewhere.test" } }] }), null);
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("fwd me please"))).toMatch(/^250 /);
    const sunk = await until(() => sink.messages.find((m) => m.to.includes("alice.other@elsewhere.test")), "the forwarded copy");
    expect(sunk.from).toMatch(/^SRS0=[^=]+=[^=]+=remote\.test=carol@example\.test$/);
    expect(srsReverse(sunk.from, { secret: core.config.protection.srsSecret })).toEqual({ ok: true, address: "carol@remote.test" });
    expect(sunk.raw.toString()).toContain("Subject: fwd me please");
    // The user keeps their copy too (a forward is :copy).
    expect((await find(alice, "fwd me please")).map((c) => c.folder)).toEqual(["Inbox"]);

    // The far end bounces it to the SRS address: the bounce goes back to the original sender.
    const bounce = `From: MAILER-DAEMON@elsewhere.test\r\nTo: ${sunk.from}\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nno such user\r\n`;
    expect(await sendMail(core.smtpPort, "", [sunk.from], bounce)).toMatch(/^250 /);
    const returned = await until(() => sink.messages.find((m) => m.to.includes("carol@remote.test") && m.raw.toString().includes("Undelivered Mail Returned")), "the returned bounce");
    expect(returned.from).toBe("");
    // A made-up or tampered SRS address is an unknown user, not an open relay.
    const tampered = sunk.from.replace(/^SRS0=..../, "SRS0=AAAA");
    expect(await sendMail(core.smtpPort, "", [tampered], bounce)).toMatch(/^550 5\.1\.1 /);
  });

  it("forwards to a user of this service straight into their inbox", async () => {
    await saveFilters(core.shards.get(alice.shard), alice.id, rules({ rules: [{ conditions: { subject: "for bob" }, actions: { forwardTo: "bob@example.test" } }] }), null);
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("for bob too"))).toMatch(/^250 /);
    expect((await find(bob, "for bob too")).map((c) => c.folder)).toEqual(["Inbox"]);
  });
});

describe("vacation answers", () => {
  beforeAll(async () => {
    await saveFilters(core.shards.get(bob.shard), bob.id, rules({ rules: [], vacation: { enabled: true, subject: "Away until Monday", body: "I am away.\nBack on Monday.", days: 7 } }), null);
  });
  const answersTo = (address: string) => sink.messages.filter((m) => m.to.includes(address) && /Auto-Submitted: auto-replied/i.test(m.raw.toString()));

  it("answers once per sender per period, with the null sender and Auto-Submitted", async () => {
    expect(await sendMail(core.smtpPort, "dave@remote.test", ["bob@example.test"], mail("are you there", { from: "Dave <dave@remote.test>", to: "bob@example.test" }))).toMatch(/^250 /);
    const answer = await until(() => answersTo("dave@remote.test")[0], "the vacation answer");
    expect(answer.from).toBe("");
    const text = answer.raw.toString();
    expect(text).toMatch(/^Subject: Away until Monday\r$/m);
    expect(text).toMatch(/^In-Reply-To: <areyouthere@remote\.test>\r$/m);
    expect(text).toContain("Back on Monday.");
    expect(await sendMail(core.smtpPort, "dave@remote.test", ["bob@example.test"], mail("still there?", { from: "Dave <dave@remote.test>", to: "bob@example.test" }))).toMatch(/^250 /);
    await core.pipeline.idle();
    await new Promise((r) => setTimeout(r, 500));
    expect(answersTo("dave@remote.test")).toHaveLength(1);
    // Both messages are filed all the same.
    expect(await find(bob, "still there?")).toHaveLength(1);
  });

  it("never answers lists, bulk mail, automatic mail or no-reply senders", async () => {
    const cases = [
      ["list@remote.test", mail("list post", { from: "list@remote.test", to: "bob@example.test", extra: "List-Id: <dev.remote.test>\r\n" })],
      ["bulk@remote.test", mail("bulk post", { from: "bulk@remote.test", to: "bob@example.test", extra: "Precedence: bulk\r\n" })],
      ["robot@remote.test", mail("auto post", { from: "robot@remote.test", to: "bob@example.test", extra: "Auto-Submitted: auto-generated\r\n" })],
      ["no-reply@remote.test", mail("noreply post", { from: "no-reply@remote.test", to: "bob@example.test" })],
    ] as const;
    for (const [from, raw] of cases) expect(await sendMail(core.smtpPort, from, ["bob@example.test"], raw)).toMatch(/^250 /);
    await core.pipeline.idle();
    await new Promise((r) => setTimeout(r, 500));
    for (const [from] of cases) expect(answersTo(from), from).toHaveLength(0);
  });
});
