// The MX over real sockets, against a real core (libSQL shards, spool, local R2).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smtpConnect, sendMail } from "../../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { openBlobStore } from "../../store/open-blobs.ts";
import { getMessage, getUsage, listFolders, listMessages } from "../../store/mailbox.ts";

let core: TempCore;
let alice: { id: string; shard: string };
let tiny: { id: string; shard: string };

const message = (subject: string, body = "Hello.\r\n", extra = "") =>
  `From: Bob <bob@remote.test>\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@remote.test>\r\n${extra}\r\n${body}`;

async function inbox(userId = alice.id, shard = alice.shard) {
  await core.pipeline.idle();
  return listMessages(core.shards.get(shard), userId, "inbox", { limit: 200 });
}

async function bySubject(subject: string) {
  const page = await inbox();
  const found = page.messages.find((m) => m.subject === subject);
  expect(found, `message "${subject}" in inbox`).toBeDefined();
  return getMessage(core.shards.get(alice.shard), alice.id, found!.id);
}

beforeAll(async () => {
  core = await startTempCore({ MAX_MESSAGE_BYTES: "64K" });
  alice = await core.addUser("alice@example.test");
  tiny = await core.addUser("tiny@example.test", undefined, 2000);
  await core.directory.addDomain("example.org");
  await core.directory.addDomainAlias("example.net", "example.test");
  await core.directory.addAlias("sales@example.org", alice.id);
});
afterAll(() => core?.destroy());

describe("MX session", () => {
  it("offers the extensions a modern MX does", async () => {
    const s = await smtpConnect(core.smtpPort);
    const ehlo = await s.command("EHLO client.test");
    for (const ext of ["PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "SIZE 65536"]) expect(ehlo).toContain(ext);
    expect(ehlo).not.toContain("STARTTLS"); // no certificate configured
    expect(ehlo).not.toContain("AUTH");
    await s.close();
  });

  it("refuses recipients at RCPT with precise codes", async () => {
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<bob@remote.test>");
    expect(await s.command("RCPT TO:<nobody@example.test>")).toMatch(/^550 5\.1\.1 /);
    expect(await s.command("RCPT TO:<someone@elsewhere.test>")).toMatch(/^554 5\.7\.1 .*relay/);
    expect(await s.command("RCPT TO:<a..b@example.test>")).toMatch(/^501 5\.1\.3 /);
    expect(await s.command("RCPT TO:<alice@exa_mple.test>")).toMatch(/^501 5\.1\.3 /);
    expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250 /);
    await s.close();
  });

  it("answers 452 4.2.2 for a full mailbox so the sender retries", async () => {
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["tiny@example.test"], message("fills tiny", "x".repeat(2500)))).toMatch(/^250 /);
    await core.pipeline.idle();
    expect((await getUsage(core.shards.get(tiny.shard), tiny.id))!.usedBytes).toBeGreaterThan(2000);
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<bob@remote.test>");
    expect(await s.command("RCPT TO:<tiny@example.test>")).toMatch(/^452 4\.2\.2 /);
    await s.close();
  });

  it("answers 452 4.2.2 when the declared SIZE would overflow the quota", async () => {
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<bob@remote.test> SIZE=60000");
    expect(await s.command("RCPT TO:<tiny@example.test>")).toMatch(/^452 4\.2\.2 /);
    expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250 /);
    await s.close();
  });

  it("refuses an oversized message with 552, declared or not, and files nothing", async () => {
    const before = (await inbox()).messages.length;
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    expect(await s.command("MAIL FROM:<bob@remote.test> SIZE=999999")).toMatch(/^552 /);
    await s.close();
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], message("too big", "y".repeat(70 * 1024)))).toMatch(/^552 5\.3\.4 /);
    expect((await inbox()).messages.length).toBe(before);
  });

  it("refuses an empty message with 554 5.6.0", async () => {
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<bob@remote.test>");
    await s.command("RCPT TO:<alice@example.test>");
    expect(await s.command("DATA")).toMatch(/^354/);
    s.write(".\r\n");
    expect(await s.reply()).toMatch(/^554 5\.6\.0 /);
    await s.close();
  });

  it("refuses a second From or Sender with 550 5.7.1 at the end of DATA, as Gmail does, and files nothing", async () => {
    const before = (await inbox()).messages.length;
    const twoFroms = message("two froms").replace("From: Bob <bob@remote.test>\r\n", "From: Bob <bob@remote.test>\r\nFROM : ceo@bank.test\r\n");
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], twoFroms)).toMatch(/^550 5\.7\.1 .*multiple From headers/);
    const twoSenders = message("two senders", "Hi.\r\n", "Sender: bob@remote.test\r\nsender:\r\n ceo@bank.test\r\n");
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], twoSenders)).toMatch(/^550 5\.7\.1 .*multiple Sender headers/);
    // A From folded over lines, a list in one From, and a From-like line in the body are one From.
    const folded = message("one folded from", "From: not a header here\r\n").replace("From: Bob <bob@remote.test>", "From: Bob\r\n <bob@remote.test>, carol@remote.test");
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], folded)).toMatch(/^250 /);
    expect((await inbox()).messages.length).toBe(before + 1);
  });

  it("takes pipelined commands and answers each in order", async () => {
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    s.write("MAIL FROM:<bob@remote.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<ghost@example.test>\r\nDATA\r\n");
    expect(await s.reply()).toMatch(/^250/);
    expect(await s.reply()).toMatch(/^250/);
    expect(await s.reply()).toMatch(/^550 5\.1\.1/);
    expect(await s.reply()).toMatch(/^354/);
    s.write(message("pipelined") + ".\r\n");
    expect(await s.reply()).toMatch(/^250 2\.0\.0 /);
    await s.close();
    await bySubject("pipelined");
  });
});

describe("addresses as people use them", () => {
  it("delivers subaddresses, aliases and domain aliases to the user, once per transaction", async () => {
    const rcpts = ["alice+news@example.test", "sales@example.org", "ALICE@example.net", "alice@example.test"];
    expect(await sendMail(core.smtpPort, "bob@remote.test", rcpts, message("many names"))).toMatch(/^250 /);
    const page = await inbox();
    expect(page.messages.filter((m) => m.subject === "many names")).toHaveLength(1);
  });

  it("accepts internationalized addresses with SMTPUTF8", async () => {
    await core.addUser("用户@example.test");
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO client.test");
    expect(await s.command("MAIL FROM:<发件人@remote.test> SMTPUTF8")).toMatch(/^250/);
    expect(await s.command("RCPT TO:<用户@example.test>")).toMatch(/^250/);
    expect(await s.data(message("utf8 envelope"))).toMatch(/^250 /);
    await s.close();
  });
});

describe("messy real-world mail is accepted and filed, never lost", () => {
  it("files a message with bare LF line endings, stored as CRLF", async () => {
    const raw = message("bare lf", "line one\nline two\n").replace(/\r\n/g, "\n");
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], raw)).toMatch(/^250 /);
    const m = await bySubject("bare lf");
    expect(m.text).toContain("line one\nline two");
    const row = await core.shards.get(alice.shard).client.execute({ sql: "select raw_key, raw_offset, raw_length from messages where message_id = ?", args: [m.id] });
    const { raw_key, raw_offset, raw_length } = row.rows[0] as unknown as { raw_key: string; raw_offset: number; raw_length: number };
    const blobs = openBlobStore(core.config.blobs);
    const bytes = Buffer.from((await blobs.get(raw_key, { offset: raw_offset, length: raw_length }))!);
    await blobs.close();
    expect(bytes.toString()).toContain("line one\r\nline two\r\n");
    expect(bytes.toString()).not.toMatch(/[^\r]\n/);
  });

  it("files missing headers with sensible fallbacks", async () => {
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], "X-Only: this\r\n\r\nno from, no subject, no date\r\n")).toMatch(/^250 /);
    const page = await inbox();
    const m = page.messages.find((x) => x.snippet.startsWith("no from"));
    expect(m).toBeDefined();
    expect(m!.subject).toBe("");
    expect(m!.from).toBeNull();
  });

  it("files broken charsets and 8-bit junk without throwing them away", async () => {
    const junk = Buffer.concat([
      Buffer.from("From: =?x-unknown?B?w7zDtg==?= <j@remote.test>\r\nSubject: =?utf-8?B?broken base64!!?=\r\nContent-Type: text/plain; charset=klingon-8\r\n\r\n"),
      Buffer.from([0xff, 0xfe, 0x80, 0x81, 0xc3, 0x28, 0x0d, 0x0a]),
      Buffer.from("tail\r\n"),
    ]);
    expect(await sendMail(core.smtpPort, "j@remote.test", ["alice@example.test"], junk)).toMatch(/^250 /);
    const page = await inbox();
    const m = page.messages.find((x) => x.from?.address === "j@remote.test");
    expect(m).toBeDefined();
    expect((await getMessage(core.shards.get(alice.shard), alice.id, m!.id)).text).toContain("tail");
  });

  it("files malformed MIME (a missing boundary) with its text", async () => {
    const raw =
      'From: b@remote.test\r\nSubject: bad mime\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--other\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n';
    expect(await sendMail(core.smtpPort, "b@remote.test", ["alice@example.test"], raw)).toMatch(/^250 /);
    expect((await bySubject("bad mime")).text ?? "").toContain("still readable");
  });

  it("files overlong lines intact", async () => {
    const long = "z".repeat(5000);
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], message("long line", long + "\r\n"))).toMatch(/^250 /);
    expect((await bySubject("long line")).text).toContain(long);
  });

  it("unstuffs leading dots and keeps a body line that is a lone dot", async () => {
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], message("dots", ".\r\n..two\r\nend\r\n"))).toMatch(/^250 /);
    expect((await bySubject("dots")).text).toContain(".\n..two\nend");
  });

  it("adds trace headers and keeps counts in step", async () => {
    const folders = await listFolders(core.shards.get(alice.shard), alice.id);
    const inboxFolder = folders.find((f) => f.role === "inbox")!;
    const page = await inbox();
    expect(inboxFolder.total).toBe(page.messages.length);
    expect(inboxFolder.unread).toBe(page.messages.length);
    const usage = await getUsage(core.shards.get(alice.shard), alice.id);
    expect(usage!.messageCount).toBe(page.messages.length);
  });
});
