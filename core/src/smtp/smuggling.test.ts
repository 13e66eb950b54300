// SMTP smuggling (CVE-2023-51764, -51765, -51766): a message whose body holds a line end other than
// CRLF, a dot and a line end, then a whole second transaction. Our servers must end DATA only at
// <CRLF>.<CRLF>, so the rest is body text of the one message; and what we pass on must leave no such
// sequence for a careless next hop (test/support/lenient-smtp-sink.ts) to end DATA early at. Over real
// sockets: the MX, a Sieve redirect to that next hop, and SMTP submission to it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLenientSink, type LenientSink, type LenientTransaction } from "../../../test/support/lenient-smtp-sink.ts";
import { smtpConnect, type SmtpSession } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { saveFilters } from "../store/filters.ts";
import { getMessage, listFolders, listMessages } from "../store/mailbox.ts";
import { until } from "../../../test/support/until.ts";

const SEQUENCES = ["\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\n"];
const shown = (seq: string) => JSON.stringify(seq);

let lenient: LenientSink;
let core: TempCore;
let alice: { id: string; shard: string };

/** A message to `to` whose body hides, after `seq`, a second transaction from `smuggledFrom` to `smuggledTo`. */
function smugglingMessage(o: { from: string; to: string; subject: string; seq: string; smuggledFrom: string; smuggledTo: string }): string {
  const second =
    `MAIL FROM:<${o.smuggledFrom}>\r\nRCPT TO:<${o.smuggledTo}>\r\nDATA\r\n` +
    `From: ${o.smuggledFrom}\r\nTo: ${o.smuggledTo}\r\nSubject: smuggled ${o.subject}\r\n\r\nPlease wire the money.\r\n`;
  return `From: ${o.from}\r\nTo: ${o.to}\r\nSubject: ${o.subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${o.subject.replace(/\W/g, "")}@remote.test>\r\n\r\nbefore${o.seq}${second}`;
}

/** Sends the DATA section as it is (no dot-stuffing: the sequences must reach the server raw), ends it
 * with <CRLF>.<CRLF>, and checks that exactly one reply came, then nothing until our NOOP's. */
async function sendRaw(s: SmtpSession, message: string): Promise<string> {
  expect(await s.command("DATA")).toMatch(/^354 /);
  s.write(`${message}.\r\n`);
  const reply = await s.reply();
  // Had the server run a smuggled transaction, its replies (250, 250, 354 …) would come before this.
  expect(await s.command("NOOP")).toBe("250 2.0.0 OK");
  return reply;
}


/** What the careless hop received for `recipient`, once `count` transactions arrived, and a while after. */
async function arrivedAt(recipient: string, count: number): Promise<LenientTransaction[]> {
  const mine = () => lenient.transactions.filter((t) => t.to.includes(recipient));
  await until(() => (mine().length >= count ? true : undefined), `${count} transactions to ${recipient}`);
  await new Promise((r) => setTimeout(r, 500));
  return mine();
}

/** The wire bytes leave nothing a careless reader could end DATA at: no bare CR or LF, every line
 * that starts with a dot stuffed. */
function expectCanonicalWire(t: LenientTransaction) {
  const text = t.wire.toString("latin1");
  expect(text).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  for (const line of text.split("\r\n")) if (line.startsWith(".")) expect(line.startsWith(".."), JSON.stringify(line)).toBe(true);
}

beforeAll(async () => {
  lenient = await startLenientSink();
  core = await startTempCore({ TRANSPORT_MAP: `lenient.test=127.0.0.1:${lenient.port}` });
  alice = await core.addUser("alice@example.test");
  await core.addUser("bob@example.test", "bob's long password");
  await saveFilters(core.shards.get(alice.shard), alice.id, `require ["copy"];\nredirect :copy "alice.other@lenient.test";\n`, null);
});
afterAll(async () => {
  await core?.destroy();
  await lenient?.close();
});

describe("SMTP smuggling", () => {
  it("would split at the careless next hop if passed on raw (the check below can fail)", async () => {
    const s = await smtpConnect(lenient.port);
    await s.command("EHLO client.test");
    await s.command("MAIL FROM:<carol@remote.test>");
    await s.command("RCPT TO:<probe@lenient.test>");
    await s.command("DATA");
    s.write(smugglingMessage({ from: "carol@remote.test", to: "probe@lenient.test", subject: "probe", seq: "\r.\r\n", smuggledFrom: "intruder@probe.test", smuggledTo: "probe@lenient.test" }) + ".\r\n");
    for (let i = 0; i < 5; i++) await s.reply(); // 250 (early end), 250 MAIL, 250 RCPT, 354 DATA, 250
    await s.close();
    expect(lenient.transactions.filter((t) => t.to.includes("probe@lenient.test")).map((t) => t.from)).toEqual(["carol@remote.test", "intruder@probe.test"]);
  });

  it("the MX ends DATA only at <CRLF>.<CRLF>: one message filed, the smuggled text in it, no second transaction", async () => {
    for (const [i, seq] of SEQUENCES.entries()) {
      const s = await smtpConnect(core.smtpPort);
      await s.command("EHLO mx.remote.test");
      expect(await s.command("MAIL FROM:<carol@remote.test>")).toMatch(/^250 /);
      expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250 /);
      const message = smugglingMessage({ from: "carol@remote.test", to: "alice@example.test", subject: `smuggle ${i}`, seq, smuggledFrom: "admin@bank.test", smuggledTo: "alice@example.test" });
      expect(await sendRaw(s, message), shown(seq)).toMatch(/^250 2\.0\.0 Ok: queued as /);
      await s.close();
    }
    await core.pipeline.idle();
    const shard = core.shards.get(alice.shard);
    const filed = [];
    for (const folder of await listFolders(shard, alice.id)) filed.push(...(await listMessages(shard, alice.id, folder.id, { limit: 200 })).messages);
    expect(filed.filter((m) => m.subject.startsWith("smuggled"))).toEqual([]);
    for (const [i, seq] of SEQUENCES.entries()) {
      const copies = filed.filter((m) => m.subject === `smuggle ${i}`);
      expect(copies, shown(seq)).toHaveLength(1);
      expect((await getMessage(shard, alice.id, copies[0]!.id)).text, shown(seq)).toContain("MAIL FROM:<admin@bank.test>");
    }
  });

  it("a Sieve redirect passes each such message on as one message a careless next hop cannot split", async () => {
    // The messages of the test above, forwarded by alice's filter.
    const forwarded = await arrivedAt("alice.other@lenient.test", SEQUENCES.length);
    expect(lenient.transactions.filter((t) => t.from === "admin@bank.test")).toEqual([]);
    expect(forwarded).toHaveLength(SEQUENCES.length);
    for (const t of forwarded) {
      expect(t.from).toMatch(/^SRS0=.*=remote\.test=carol@example\.test$/);
      expect(t.wire.toString("latin1")).toContain("MAIL FROM:<admin@bank.test>");
      expectCanonicalWire(t);
    }
  });

  it("submission takes one message per DATA and sends it on as one", async () => {
    const s = await smtpConnect(core.submissionPort);
    await s.command("EHLO laptop.example.test");
    expect(await s.command(`AUTH PLAIN ${Buffer.from("\0bob@example.test\0bob's long password").toString("base64")}`)).toMatch(/^235 /);
    for (const [i, seq] of SEQUENCES.entries()) {
      expect(await s.command("MAIL FROM:<bob@example.test>")).toMatch(/^250 /);
      expect(await s.command("RCPT TO:<carol@lenient.test>")).toMatch(/^250 /);
      const message = smugglingMessage({ from: "bob@example.test", to: "carol@lenient.test", subject: `submitted ${i}`, seq, smuggledFrom: "bob@example.test", smuggledTo: "victim@lenient.test" });
      expect(await sendRaw(s, message), shown(seq)).toMatch(/^250 2\.0\.0 Ok: queued as /);
    }
    await s.close();
    const sent = await arrivedAt("carol@lenient.test", SEQUENCES.length);
    expect(lenient.transactions.filter((t) => t.to.includes("victim@lenient.test"))).toEqual([]);
    expect(sent).toHaveLength(SEQUENCES.length);
    for (const t of sent) {
      expect(t.from).toBe("bob@example.test");
      expect(t.wire.toString("latin1")).toContain("RCPT TO:<victim@lenient.test>");
      expectCanonicalWire(t);
    }
  });
});
