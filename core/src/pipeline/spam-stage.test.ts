// The spam filter in a real core: GTUBE over SMTP lands in Junk with its X-Spam headers; reports
// through the internal API move and teach (each message once, a change of mind undone); a user's own
// reports change their verdicts and nobody else's; outgoing spam is held and the sender told why.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusSample } from "../../../test/support/corpus.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startSmtpSink, type SmtpSink } from "../../../test/support/smtp-sink.ts";
import { storedRaw } from "../../../test/support/stored-raw.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { getMessage, listMessages } from "../store/mailbox.ts";
import { spamTotals } from "../store/directory-schema.ts";
import { learnGlobal } from "../store/spam-model.ts";
import { parseMail } from "../mail-format/parse.ts";
import { learnDelta, mergeDeltas } from "../store/bayes-model.ts";
import { messageTokens } from "./spam/bayes.ts";
import { GTUBE } from "./spam/gtube.ts";

let core: TempCore;
let sink: SmtpSink;
let alice: { id: string; shard: string };
let bob: { id: string; shard: string };
let call: ReturnType<typeof internalApi>;

const mail = (subject: string, body: string, from = "Carol <carol@remote.test>", to = "alice@example.test") =>
  `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${subject.replace(/\W/g, "")}.${Date.now()}@remote.test>\r\n\r\n${body}\r\n`;

async function find(user: { id: string; shard: string }, subject: string) {
  await core.pipeline.idle();
  for (const folder of ["inbox", "junk", "sent"] as const) {
    const page = await listMessages(core.shards.get(user.shard), user.id, folder, { limit: 200 });
    const m = page.messages.find((x) => x.subject === subject);
    if (m) return { folder, message: await getMessage(core.shards.get(user.shard), user.id, m.id) };
  }
  return null;
}

async function counts(user: { id: string; shard: string }) {
  const box = await core.shards.get(user.shard).client.execute({ sql: "SELECT bayes_spam, bayes_ham FROM mailboxes WHERE user_id = ?", args: [user.id] });
  const [global] = await core.directory.database.select().from(spamTotals);
  return { user: [Number(box.rows[0]!.bayes_spam), Number(box.rows[0]!.bayes_ham)], global: global ? [global.nspam, global.nham] : [0, 0] };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  core = await startTempCore({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}` });
  alice = await core.addUser("alice@example.test", "alice password");
  bob = await core.addUser("bob@example.test", "bob password");
  call = internalApi(core.apiPort);
});
afterAll(async () => {
  await core?.destroy();
  await sink?.close();
});

describe("inbound spam filtering", () => {
  it("sends GTUBE to Junk with X-Spam-Score and X-Spam-Status naming the check, even in a hammy message", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("lunch on friday", `Hi Alice, lunch on Friday at noon?\r\n${GTUBE}\r\nCarol`))).toMatch(/^250 /);
    const found = await find(alice, "lunch on friday");
    expect(found?.folder).toBe("junk");
    expect(found!.message.spam!.score).toBeGreaterThanOrEqual(1000);
    expect(found!.message.spam!.tests).toContain("GTUBE");
    expect(found!.message.keywords).toContain("$Junk");
    const raw = await storedRaw(core, alice.shard, found!.message.id);
    expect(raw).toMatch(/^Return-Path: <carol@remote\.test>\r\nX-Spam-Score: 10\d\d\.\d\r\n/);
    expect(raw).toMatch(/^X-Spam-Status: Yes, score=10\d\d\.\d required=5\.0 tests=.*GTUBE/m);
  });

  it("files ordinary mail in the inbox with its score", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("minutes of the meeting", "Hi Alice,\r\n\r\nattached are the notes from today's meeting. Talk soon.\r\n\r\nCarol"))).toMatch(/^250 /);
    const found = await find(alice, "minutes of the meeting");
    expect(found?.folder).toBe("inbox");
    expect(found!.message.spam!.score).toBeLessThan(5);
  });
});

describe("learning from the user", () => {
  it("report-spam moves to Junk and learns once; not-spam moves back and takes the lesson back", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("cheap watches", "Replica watches, best prices, buy now."))).toMatch(/^250 /);
    const { message } = (await find(alice, "cheap watches"))!;
    const before = await counts(alice);
    const reported = await call("POST", `/internal/v1/users/${alice.id}/messages/${message.id}/report-spam`);
    expect(reported.status).toBe(200);
    expect((await find(alice, "cheap watches"))!.folder).toBe("junk");
    expect(await counts(alice)).toEqual({ user: [before.user[0]! + 1, before.user[1]], global: [before.global[0]! + 1, before.global[1]] });
    // Reported again (or moved to Junk again): counted once.
    expect((await call("POST", `/internal/v1/users/${alice.id}/messages/${message.id}/report-spam`)).status).toBe(200);
    expect((await counts(alice)).user).toEqual([before.user[0]! + 1, before.user[1]]);
    // "Not spam": back to the inbox; the spam lesson is taken back and a ham one learned.
    expect((await call("POST", `/internal/v1/users/${alice.id}/messages/${message.id}/not-spam`)).status).toBe(200);
    expect((await find(alice, "cheap watches"))!.folder).toBe("inbox");
    expect(await counts(alice)).toEqual({ user: [before.user[0], before.user[1]! + 1], global: [before.global[0], before.global[1]! + 1] });
  });

  it("a move into Junk through PATCH teaches too; another user's message is 404", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], mail("weight loss", "Lose 20 pounds in 10 days."))).toMatch(/^250 /);
    const { message } = (await find(alice, "weight loss"))!;
    const before = await counts(alice);
    expect((await call("PATCH", `/internal/v1/users/${alice.id}/messages/${message.id}`, { folderId: "junk" })).status).toBe(200);
    expect((await counts(alice)).user[0]).toBe(before.user[0]! + 1);
    expect((await call("POST", `/internal/v1/users/${bob.id}/messages/${message.id}/report-spam`)).status).toBe(404);
  });

  it("a user's own reports change their verdicts, not other users'", async () => {
    // A global model that has seen enough mail to speak (200 of each), from the public corpus.
    const sample = corpusSample(6);
    const delta = mergeDeltas(await Promise.all(sample.map(async (m) => learnDelta(messageTokens(m.raw, await parseMail(m.raw)), m.kind))));
    await learnGlobal(core.directory, delta);
    expect(delta.nspam).toBeGreaterThanOrEqual(200);
    expect(delta.nham).toBeGreaterThanOrEqual(200);

    // A kind of mail some want and some do not: a club's newsletter. Alice reports it as spam; Bob
    // says "not spam" (moving it out of Junk when the filter put it there).
    const newsletter = (n: number) =>
      mail(`Garden club newsletter ${n}`, `Hi all,\r\n\r\nnotes from Thursday's garden club meeting: the compost bins are fixed, and Bob will bring the seed list to the next meeting. The tulip bulbs did not come up this year; we think the soil was too wet.\r\n\r\nIssue ${n}, the garden club committee`, "Garden Club <news@garden.test>", "members@garden.test");
    const aliceBefore = await counts(alice);
    for (let n = 1; n <= 6; n++) {
      expect(await sendMail(core.smtpPort, "news@garden.test", ["alice@example.test", "bob@example.test"], newsletter(n))).toMatch(/^250 /);
      if (n <= 3) {
        const forAlice = (await find(alice, `Garden club newsletter ${n}`))!;
        expect((await call("POST", `/internal/v1/users/${alice.id}/messages/${forAlice.message.id}/report-spam`)).status).toBe(200);
      }
      const forBob = (await find(bob, `Garden club newsletter ${n}`))!;
      expect((await call("POST", `/internal/v1/users/${bob.id}/messages/${forBob.message.id}/not-spam`)).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 5500)); // the pipeline reads the global model every 5 s
    expect(await sendMail(core.smtpPort, "news@garden.test", ["alice@example.test", "bob@example.test"], newsletter(7))).toMatch(/^250 /);
    const forAlice = (await find(alice, "Garden club newsletter 7"))!;
    const forBob = (await find(bob, "Garden club newsletter 7"))!;
    const band = (m: typeof forAlice) => m.message.spam!.tests.find((t) => t.startsWith("BAYES_"));
    expect([band(forAlice), forAlice.folder]).toEqual([expect.stringMatching(/^BAYES_(8|9)/), "junk"]);
    // Bob's own "not spam" outweighs what the global model learned from Alice: a ham band, or no
    // verdict at all (too little evidence either way), and the inbox.
    expect([band(forBob) ?? "none", forBob.folder]).toEqual([expect.stringMatching(/^(none|BAYES_(00|05|20|40))$/), "inbox"]);
    expect((await counts(alice)).user).toEqual([aliceBefore.user[0]! + 3, aliceBefore.user[1]]);
    expect((await counts(bob)).user).toEqual([0, 6]);
  }, 120_000);
});

describe("outgoing spam", () => {
  it("holds an outgoing message that scores as spam: nothing leaves, Sent says $Held, the sender is told why", async () => {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: core.submissionPort, secure: false, ignoreTLS: true, auth: { user: "alice@example.test", pass: "alice password" } });
    await transport.sendMail({ from: "alice@example.test", to: "dave@remote.test", subject: "test of the filter", text: `Does this go out?\n${GTUBE}\n` });
    await transport.sendMail({ from: "alice@example.test", to: "dave@remote.test", subject: "plain note", text: "See you tomorrow at ten." });
    const sent = await find(alice, "test of the filter");
    expect(sent?.folder).toBe("sent");
    expect(sent!.message.keywords).toEqual(["$Held"]);
    const notice = await find(alice, "Not sent: test of the filter");
    expect(notice?.folder).toBe("inbox");
    expect(notice!.message.text).toContain("GTUBE");
    // The plain note goes out; the held one never does.
    const deadline = Date.now() + 15_000;
    while (!sink.messages.some((m) => m.raw.toString().includes("Subject: plain note")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sink.messages.some((m) => m.raw.toString().includes("Subject: plain note"))).toBe(true);
    expect(sink.messages.some((m) => m.raw.toString().includes("test of the filter"))).toBe(false);
  });
});
