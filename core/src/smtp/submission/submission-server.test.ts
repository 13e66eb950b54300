// Sending as a mail app does: SMTP submission with AUTH, through the core to a remote server (the
// test's, reached through the transport map) and to a user of this service.
import { createPublicKey } from "node:crypto";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dkimResult } from "../../../../test/support/dkim.ts";
import { smtpConnect } from "../../../../test/support/smtp-client.ts";
import { startSmtpSink, type SmtpSink } from "../../../../test/support/smtp-sink.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { getMessage, listMessages } from "../../store/mailbox.ts";
import { openBlobStore } from "../../store/open-blobs.ts";
import { newDkimKey } from "../../mail-format/dkim.ts";
import { until } from "../../../../test/support/until.ts";

let core: TempCore;
let sink: SmtpSink;
let alice: { id: string; shard: string };
let bob: { id: string; shard: string };
let dkimTxt: string;
const PASSWORD = "correct horse battery";

function submitter(user = "alice@example.test", pass = PASSWORD) {
  return nodemailer.createTransport({ host: "127.0.0.1", port: core.submissionPort, secure: false, ignoreTLS: true, auth: { user, pass } });
}


const sunk = (subject: string) => sink.messages.find((m) => m.raw.toString().includes(`Subject: ${subject}`));
const folder = async (user: { id: string; shard: string }, role: string) => (await listMessages(core.shards.get(user.shard), user.id, role, { limit: 100 })).messages;

beforeAll(async () => {
  sink = await startSmtpSink();
  core = await startTempCore({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, SEND_DAILY_LIMIT: "12" });
  alice = await core.addUser("alice@example.test", PASSWORD);
  bob = await core.addUser("bob@example.test", PASSWORD);
  await core.directory.addAlias("sales@example.test", alice.id);
  const key = newDkimKey("example.test");
  await core.directory.setDkimKey("example.test", key.selector, key.privateKey);
  dkimTxt = `v=DKIM1; k=rsa; p=${createPublicKey(key.privateKey).export({ type: "spki", format: "der" }).toString("base64")}`;
});
afterAll(async () => {
  await core?.destroy();
  await sink?.close();
});

describe("SMTP submission", () => {
  it("requires authentication, and refuses a wrong password alike for unknown users", async () => {
    const s = await smtpConnect(core.submissionPort);
    const ehlo = await s.command("EHLO app.test");
    expect(ehlo).toContain("AUTH PLAIN LOGIN");
    expect(await s.command("MAIL FROM:<alice@example.test>")).toMatch(/^530 5\.7\.0/);
    const bad = (user: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0wrong password`).toString("base64")}`;
    expect(await s.command(bad("alice@example.test"))).toMatch(/^535 5\.7\.8/);
    expect(await s.command(bad("nobody@example.test"))).toMatch(/^535 5\.7\.8/);
    await s.close();
  });

  it("refuses a sender address or From header that is not the user's", async () => {
    await expect(submitter().sendMail({ envelope: { from: "bob@example.test", to: ["x@remote.test"] }, from: "bob@example.test", to: "x@remote.test", subject: "spoof", text: "x" })).rejects.toMatchObject({ responseCode: 553 });
    await expect(submitter().sendMail({ envelope: { from: "alice@example.test", to: ["x@remote.test"] }, from: "ceo@example.test", to: "x@remote.test", subject: "spoof 2", text: "x" })).rejects.toMatchObject({ responseCode: 553 });
  });

  it("delivers remote mail DKIM-signed, local mail into the inbox, and keeps a Sent copy; Bcc stays hidden", async () => {
    const info = await submitter().sendMail({
      from: "Alice <alice@example.test>",
      to: ["carol@remote.test", "bob@example.test"],
      bcc: "dave@remote.test",
      subject: "Project plan",
      text: "Here is the plan.",
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as /);
    const remote = await until(() => sunk("Project plan"), "remote delivery");
    expect(remote.to.sort()).toEqual(["carol@remote.test", "dave@remote.test"]);
    expect(remote.raw.toString()).not.toMatch(/^bcc:/im);
    expect(remote.raw.toString()).toMatch(/^DKIM-Signature: .*d=example\.test/m);
    expect(await dkimResult(remote.raw, "example.test", dkimTxt)).toBe("pass");

    const bobs = await until(async () => (await folder(bob, "inbox")).find((m) => m.subject === "Project plan"), "local delivery");
    expect(bobs.from).toEqual({ name: "Alice", address: "alice@example.test" });
    const sent = await until(async () => (await folder(alice, "sent")).find((m) => m.subject === "Project plan"), "Sent copy");
    expect(sent.read).toBe(true);
    const sentFull = await getMessage(core.shards.get(alice.shard), alice.id, sent.id);
    expect(sentFull.messageId).toMatch(/^<.+@/);
    const row = (await core.shards.get(alice.shard).client.execute({ sql: "select raw_key, raw_offset, raw_length from messages where message_id = ?", args: [sent.id] })).rows[0]!;
    const sentRaw = Buffer.from((await openBlobStore(core.config.blobs).get(String(row.raw_key), { offset: Number(row.raw_offset), length: Number(row.raw_length) }))!).toString();
    expect(sentRaw).toMatch(/^Bcc: dave@remote\.test/im);
  });

  it("stores the bytes once when the copy that leaves is the Sent copy (no Bcc, no DKIM key)", async () => {
    const plain = await core.addUser("pat@plain.test", PASSWORD);
    await submitter("pat@plain.test").sendMail({ from: "pat@plain.test", to: "quinn@remote.test", subject: "Stored once", text: "One copy." });
    const remote = await until(() => sunk("Stored once"), "remote delivery");
    const sent = await until(async () => (await folder(plain, "sent")).find((m) => m.subject === "Stored once"), "Sent copy");
    const stored = (await core.shards.get(plain.shard).client.execute({ sql: "select raw_key, raw_offset, raw_length from messages where message_id = ?", args: [sent.id] })).rows[0]!;
    const [queued] = (await core.queue.list()).filter((d) => d.recipient === "quinn@remote.test");
    expect({ key: queued!.rawKey, offset: queued!.rawOffset, length: queued!.rawLength }).toEqual({ key: stored.raw_key, offset: Number(stored.raw_offset), length: Number(stored.raw_length) });
    // What left is those bytes: the sink's copy ends with the stored message (the sink adds nothing
    // before it but what nodemailer's dot-stuffing would undo).
    const bytes = Buffer.from((await openBlobStore(core.config.blobs).get(queued!.rawKey, { offset: queued!.rawOffset, length: queued!.rawLength }))!);
    expect(remote.raw.toString()).toContain(bytes.toString().trimEnd());
    expect(remote.raw.toString()).not.toMatch(/^DKIM-Signature:/m);
  });

  it("sends from an alias of the user", async () => {
    await submitter().sendMail({ from: "sales@example.test", to: "erin@remote.test", subject: "From the alias", text: "Hi." });
    expect((await until(() => sunk("From the alias"), "alias delivery")).from).toBe("sales@example.test");
  });

  it("bounces a recipient the remote server refuses, and an unknown local one, with DSNs to the sender", async () => {
    await submitter().sendMail({ from: "alice@example.test", to: ["gone@remote.test", "nobody@example.test"], subject: "Doomed", text: "x" });
    const dsns = await until(async () => {
      const list = (await folder(alice, "inbox")).filter((m) => m.subject === "Undelivered Mail Returned to Sender");
      return list.length >= 2 ? list : undefined;
    }, "two DSNs");
    const texts = await Promise.all(dsns.map(async (d) => (await getMessage(core.shards.get(alice.shard), alice.id, d.id)).text ?? ""));
    expect(texts.some((t) => t.includes("gone@remote.test") && t.includes("550 5.1.1 no such user here"))).toBe(true);
    expect(texts.some((t) => t.includes("nobody@example.test") && t.includes("5.1.1"))).toBe(true);
  });

  it("stops at the daily sending limit with 550 5.4.5", async () => {
    // 12 recipients a day: 3 + 1 + 2 used above (refused messages count nothing), 6 left.
    await submitter().sendMail({ from: "alice@example.test", to: ["a@remote.test", "b@remote.test", "c@remote.test", "d@remote.test", "e@remote.test", "f@remote.test"], subject: "Fills the day", text: "x" });
    await expect(submitter().sendMail({ from: "alice@example.test", to: "one.more@remote.test", subject: "Over", text: "x" })).rejects.toMatchObject({ responseCode: 550, response: expect.stringContaining("5.4.5") });
    // Another user has their own quota.
    await expect(submitter("bob@example.test").sendMail({ from: "bob@example.test", to: "x@remote.test", subject: "Bob's own", text: "x" })).resolves.toBeDefined();
  });

  it("shows the queue in metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${core.apiPort}/metrics`)).text();
    expect(text).toMatch(/^edgemail_outbound_queue_depth\{state="delivered"\} \d+$/m);
    expect(text).toMatch(/^edgemail_outbound_queue_oldest_age_seconds \d/m);
  });
});
