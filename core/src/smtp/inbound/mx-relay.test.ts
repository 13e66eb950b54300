// The MX is never a relay: every way of naming a remote recipient at RCPT, over real sockets against
// a real core whose outbound deliveries go to a sink on loopback (TRANSPORT_MAP). Each attempt is
// checked by its exact reply and by what it must not leave behind: no row in the outbound queue and
// no message at the sink. The one recipient passed on, a bounce to a genuine SRS address of a real
// forward (a Sieve redirect), must reach the original sender.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../../shared/ids.ts";
import { smtpConnect, sendMail } from "../../../../test/support/smtp-client.ts";
import { startSmtpSink, type SmtpSink, type SunkMessage } from "../../../../test/support/smtp-sink.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { saveFilters } from "../../store/filters.ts";
import { legacyHash } from "../../mail-format/srs-legacy.ts";
import { srsForward } from "../../mail-format/srs.ts";
import { until } from "../../../../test/support/until.ts";

let sink: SmtpSink;
let core: TempCore;
let alice: { id: string; shard: string };
const DAY = 86_400_000;
const FORWARD_TO = "alice.other@elsewhere.test";
/** Where a relay would deliver: nothing may ever be queued for or reach these. */
const VICTIMS = /victim|target@gmail\.com|tbank@remote\.tes|mallory/i;

const message = (subject: string, from = "carol@remote.test") =>
  `From: ${from}\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@remote.test>\r\n\r\nHello.\r\n`;
const bounceOf = (to: string, marker: string) =>
  `From: MAILER-DAEMON@elsewhere.test\r\nTo: ${to}\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain\r\n\r\n${marker}: no such user here\r\n`;


/** One transaction that names `rcpt` (as written between "RCPT TO:" and the line end); returns the
 * replies to RCPT and to DATA, sending the message should DATA be taken. */
async function attempt(from: string, rcpt: string): Promise<{ rcpt: string; data: string }> {
  const s = await smtpConnect(core.smtpPort);
  try {
    await s.command("EHLO attacker.test");
    expect(await s.command(`MAIL FROM:<${from}>`)).toMatch(/^250 /);
    const rcptReply = await s.command(`RCPT TO:${rcpt}`);
    let data = await s.command("DATA");
    if (data.startsWith("354")) {
      s.write(message("relayed?", from) + ".\r\n");
      data = await s.reply();
    }
    return { rcpt: rcptReply, data };
  } finally {
    await s.close();
  }
}

/** Refused at RCPT with exactly `reply`, and so no transaction to go on with. */
async function expectRefused(from: string, rcpt: string, reply: string) {
  expect(await attempt(from, rcpt), rcpt).toEqual({ rcpt: reply, data: "503 5.5.1 Error: need RCPT command" });
}

/** Nothing was queued for, or delivered to, a victim (after the pipeline filed everything). */
async function expectNothingRelayed() {
  await core.pipeline.idle();
  expect((await core.queue.list(10_000)).filter((r) => VICTIMS.test(r.recipient))).toEqual([]);
  expect(sink.messages.filter((m) => m.to.some((t) => VICTIMS.test(t)))).toEqual([]);
}

/** A genuine forward by alice's Sieve redirect of mail from `sender`: its SRS address as the sink saw it. */
async function forwardFrom(sender: string): Promise<string> {
  const subject = `forwarded ${uuidv7()}`;
  expect(await sendMail(core.smtpPort, sender, ["alice@example.test"], message(subject, sender.includes("=") ? "carol@remote.test" : sender))).toMatch(/^250 /);
  const sunk = await until(() => sink.messages.find((m) => m.to.includes(FORWARD_TO) && m.raw.includes(`Subject: ${subject}`)), "the forwarded copy");
  return sunk.from;
}

/** As an earlier version left a forward in the queue: delivered, with an SRS sender of the old format. */
async function forwardedByEarlierVersion(sender: string): Promise<void> {
  const id = uuidv7();
  const now = Date.now();
  await core.queue.enqueue([
    { id, messageId: id, userId: alice.id, sender, recipient: FORWARD_TO, domain: "elsewhere.test", nextAttemptAt: now + 30 * DAY, rawKey: "raw/gone", rawOffset: 0, rawLength: 0, createdAt: now - DAY, expiresAt: now + 4 * DAY },
  ]);
  await core.queue.record(id, { state: "delivered", reply: "250 2.0.0 Ok", host: "mx.elsewhere.test", attempted: true }, now - DAY);
}

function legacyAddress(user: string, host: string): string {
  const stamp = srsForward("x@y.test", { secret: "any", domain: "example.test" })!.split("=")[2]!;
  return `SRS0=${legacyHash(core.config.protection.srsSecret, stamp, host, user)}=${stamp}=${host}=${user}@example.test`;
}

async function bounceReaches(srsAddress: string, original: string): Promise<SunkMessage> {
  const marker = `bounce ${uuidv7()}`;
  expect(await sendMail(core.smtpPort, "", [srsAddress], bounceOf(srsAddress, marker))).toMatch(/^250 2\.0\.0 /);
  const returned = await until(() => sink.messages.find((m) => m.raw.toString().includes(marker)), `the bounce to ${original}`);
  expect([returned.from, returned.to]).toEqual(["", [original]]);
  return returned;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  const toSink = ["remote.test", "remote.tes", "elsewhere.test", "gmail.com", "gmail.comtar", "first.test"].map((d) => `${d}=127.0.0.1:${sink.port}`).join(",");
  core = await startTempCore({ TRANSPORT_MAP: toSink });
  alice = await core.addUser("alice@example.test");
  await saveFilters(core.shards.get(alice.shard), alice.id, `require ["copy"];\nredirect :copy "${FORWARD_TO}";\n`, null);
});
afterAll(async () => {
  await core?.destroy();
  await sink?.close();
});

describe("recipients in another domain, however written", () => {
  it("refuses a plain relay", async () => {
    await expectRefused("spammer@evil.test", "<victim@remote.test>", "554 5.7.1 <victim@remote.test>: relay access denied");
    await expectNothingRelayed();
  });

  it("reads the %-hack and bang paths as local parts of ours: no such user", async () => {
    await expectRefused("spammer@evil.test", "<victim%remote.test@example.test>", "550 5.1.1 <victim%remote.test@example.test>: no such user here");
    await expectRefused("spammer@evil.test", "<remote.test!victim@example.test>", "550 5.1.1 <remote.test!victim@example.test>: no such user here");
    await expectNothingRelayed();
  });

  it("ignores source routes (RFC 5321 §3.6.1) and judges the final address", async () => {
    await expectRefused("spammer@evil.test", "<@example.test:victim@remote.test>", "554 5.7.1 <victim@remote.test>: relay access denied");
    await expectRefused("spammer@evil.test", "<@a.example,@b.example:victim@remote.test>", "554 5.7.1 <victim@remote.test>: relay access denied");
    await expectNothingRelayed();
  });

  it("refuses a second @, quoted or not, as bad syntax", async () => {
    await expectRefused("spammer@evil.test", '<"victim@remote.test"@example.test>', "501 5.1.3 Error: Bad recipient address syntax");
    await expectRefused("spammer@evil.test", "<victim@remote.test@example.test>", "501 5.1.3 Error: Bad recipient address syntax");
    await expectNothingRelayed();
  });

  it("refuses address literals: no domain of ours", async () => {
    await expectRefused("spammer@evil.test", "<victim@[127.0.0.1]>", "554 5.7.1 <victim@[127.0.0.1]>: relay access denied");
    await expectRefused("spammer@evil.test", "<victim@[IPv6:::1]>", "554 5.7.1 <victim@[IPv6:::1]>: relay access denied");
    await expectNothingRelayed();
  });
});

describe("SRS addresses", () => {
  it("returns a bounce to a genuine SRS address of a real forward to the original sender, whatever the case", async () => {
    const srs = await forwardFrom("carol@remote.test");
    expect(srs).toMatch(/^SRS0=[a-z2-7]{10}=[A-Z2-7]{2}=remote\.test=carol@example\.test$/);
    await bounceReaches(srs, "carol@remote.test");
    // MTAs may fold the case of the local part, the hash's included.
    const [tag, hash, ...rest] = srs.split("=");
    await bounceReaches([tag, hash!.toUpperCase(), ...rest].join("="), "carol@remote.test");
    await bounceReaches(srs.toLowerCase(), "carol@remote.test");
    await expectNothingRelayed();
  });

  it("takes SRS local parts longer than the 64 characters of an ordinary one", async () => {
    const sender = "someone.with.a.rather.long.address.indeed@remote.test";
    const srs = await forwardFrom(sender);
    expect(srs.split("@")[0]!.length).toBeGreaterThan(64);
    await bounceReaches(srs, sender);
  });

  it("returns a bounce to an SRS1 address (a forward of another forwarder's mail) to that forwarder", async () => {
    const theirs = "SRS0=abcd=2W=orig.example=dave@first.test";
    const srs = await forwardFrom(theirs);
    expect(srs).toMatch(/^SRS1=[a-z2-7]{10}=first\.test==abcd=2W=orig\.example=dave@example\.test$/);
    await bounceReaches(srs, theirs);
  });

  it("takes an SRS recipient only with the null sender", async () => {
    const srs = await forwardFrom("erin@remote.test");
    await expectRefused("mallory@evil.test", `<${srs}>`, `550 5.7.1 <${srs}>: this address of forwarded mail accepts only delivery status notifications (MAIL FROM:<>)`);
    await expectNothingRelayed();
    expect(sink.messages.filter((m) => m.to.includes("erin@remote.test"))).toEqual([]);
  });

  it("refuses a wrong, shortened or expired hash, and a hash moved along the fields, as unknown users", async () => {
    const srs = await forwardFrom("bank@remote.test");
    const [tag, hash, stamp] = srs.split("=");
    const forged = [
      `SRS0=aaaaaaaaaa=${stamp}=remote.test=victim@example.test`,
      `SRS0=${hash!.slice(0, 4)}=${stamp}=remote.test=bank@example.test`,
      // The collision of the old format, both ways: the boundary moved left and right.
      `${tag}=${hash}=${stamp}=remote.tes=tbank@example.test`,
      srsForward("victim@remote.test", { domain: "example.test", secret: core.config.protection.srsSecret, now: Date.now() - 30 * DAY })!,
    ];
    const target = await forwardFrom("get@gmail.comtar");
    const [, hash2, stamp2] = target.split("=");
    forged.push(`SRS0=${hash2}=${stamp2}=gmail.com=target@example.test`);
    for (const address of forged) await expectRefused("", `<${address}>`, `550 5.1.1 <${address}>: no such user here`);
    await expectNothingRelayed();
  });

  it("refuses an SRS address in a domain not hosted here as relaying", async () => {
    const srs = (await forwardFrom("frank@remote.test")).replace("@example.test", "@remote.test");
    await expectRefused("", `<${srs}>`, `554 5.7.1 <${srs}>: relay access denied`);
    await expectNothingRelayed();
  });

  it("takes an address of the old format only when the queue shows an earlier version forwarded with it", async () => {
    const genuine = legacyAddress("bank", "remote.test");
    const shiftedLeft = genuine.replace("=remote.test=bank@", "=remote.tes=tbank@");
    const otherWay = legacyAddress("get", "gmail.comtar");
    const shiftedRight = otherWay.replace("=gmail.comtar=get@", "=gmail.com=target@");
    for (const address of [genuine, shiftedLeft, shiftedRight]) await expectRefused("", `<${address}>`, `550 5.1.1 <${address}>: no such user here`);

    await forwardedByEarlierVersion(genuine);
    await forwardedByEarlierVersion(otherWay);
    // The old hash still verifies the shifted ones, but no forward left with them.
    for (const address of [shiftedLeft, shiftedRight]) await expectRefused("", `<${address}>`, `550 5.1.1 <${address}>: no such user here`);
    await expectNothingRelayed();
    await bounceReaches(genuine.toLowerCase(), "bank@remote.test");
  });

  it("defers bounces to one original sender past 20 at once with 450 4.7.1, so they come again later", async () => {
    const srs = await forwardFrom("grace@remote.test");
    const s = await smtpConnect(core.smtpPort);
    await s.command("EHLO mx.elsewhere.test");
    await s.command("MAIL FROM:<>");
    const replies: string[] = [];
    for (let i = 0; i < 21; i++) replies.push(await s.command(`RCPT TO:<${srs}>`));
    await s.close();
    expect(replies.slice(0, 20).every((r) => r.startsWith("250 "))).toBe(true);
    expect(replies[20]).toBe(`450 4.7.1 <${srs}>: too many bounces to forwarded mail just now, try again later`);
  });
});
