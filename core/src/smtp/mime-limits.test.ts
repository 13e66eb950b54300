// MIME parts, nesting and attachments are refused before 250 (552 5.3.4, the limit named) at the MX
// and at submission, over real sockets against a real core; what stays within them is filed or sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limits } from "../../../shared/limits.ts";
import { sendMail, smtpConnect } from "../../../test/support/smtp-client.ts";
import { startSmtpSink, type SmtpSink } from "../../../test/support/smtp-sink.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { listMessages } from "../store/mailbox.ts";

let core: TempCore;
let sink: SmtpSink;
let alice: { id: string; shard: string };

const head = (subject: string, contentType: string, from = "carol@remote.test", to = "alice@example.test") =>
  `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@remote.test>\r\nMIME-Version: 1.0\r\nContent-Type: ${contentType}\r\n\r\n`;

function manyParts(subject: string, n: number, kind: "tiny" | "file", opts: { close?: boolean; from?: string; to?: string } = {}): string {
  const part = kind === "tiny" ? "--b\r\n\r\n.\r\n" : "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=doc.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n";
  return head(subject, 'multipart/mixed; boundary="b"', opts.from, opts.to) + part.repeat(n) + (opts.close === false ? "" : "--b--\r\n");
}

function deeplyNested(subject: string, levels: number): string {
  let s = head(subject, 'multipart/mixed; boundary="n0"');
  for (let i = 1; i < levels; i++) s += `--n${i - 1}\r\nContent-Type: multipart/alternative; boundary="n${i}"\r\n\r\n`;
  s += `--n${levels - 1}\r\nContent-Type: text/plain\r\n\r\ndeep down\r\n`;
  for (let i = levels - 1; i >= 0; i--) s += `--n${i}--\r\n`;
  return s;
}

async function subjectsFiled(): Promise<string[]> {
  await core.pipeline.idle();
  return (await listMessages(core.shards.get(alice.shard), alice.id, "inbox", { limit: 200 })).messages.map((m) => m.subject);
}

beforeAll(async () => {
  sink = await startSmtpSink();
  core = await startTempCore({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}` });
  alice = await core.addUser("alice@example.test");
});
afterAll(async () => {
  await core?.destroy();
  await sink?.close();
});

describe("MIME limits at the MX", () => {
  it("refuses 100,000 tiny parts, naming the limit, and files nothing", async () => {
    const message = manyParts("tiny parts", 100_000, "tiny");
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], message)).toBe(`552 5.3.4 message exceeds the limit of ${limits.maxMimeParts} MIME parts`);
    expect(await subjectsFiled()).not.toContain("tiny parts");
  });

  it("files a message just within the part limit", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], manyParts("just within", limits.maxMimeParts - 1, "tiny"))).toMatch(/^250 2\.0\.0 /);
    expect(await subjectsFiled()).toContain("just within");
  });

  it("refuses nesting deeper than the limit, and files what is within it", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], deeplyNested("too deep", limits.maxMimeDepth + 1))).toBe(
      `552 5.3.4 message exceeds the MIME nesting limit of ${limits.maxMimeDepth} levels`,
    );
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], deeplyNested("deep enough", limits.maxMimeDepth))).toMatch(/^250 /);
    const filed = await subjectsFiled();
    expect(filed).toContain("deep enough");
    expect(filed).not.toContain("too deep");
  });

  it("refuses more attachments than the limit", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], manyParts("many files", limits.maxAttachments + 1, "file"))).toBe(
      `552 5.3.4 message exceeds the limit of ${limits.maxAttachments} attachments`,
    );
    expect(await subjectsFiled()).not.toContain("many files");
  });

  it("does not count boundary-like lines in a quoted-printable body", async () => {
    const lookalikes = "--b2\r\nContent-Type: text/plain\r\n\r\n--bb\r\n--b-\r\n".repeat(3000);
    const message =
      head("lookalikes", 'multipart/alternative; boundary="b"') +
      `--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nA long =\r\nlist:\r\n${lookalikes}--b\r\nContent-Type: text/html\r\n\r\n<p>list</p>\r\n--b--\r\n`;
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], message)).toMatch(/^250 /);
    expect(await subjectsFiled()).toContain("lookalikes");
  });

  it("files an unterminated multipart, and still counts its parts", async () => {
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], manyParts("unterminated", 3, "file", { close: false }))).toMatch(/^250 /);
    expect(await subjectsFiled()).toContain("unterminated");
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], manyParts("unterminated many", 2 * limits.maxMimeParts, "tiny", { close: false }))).toBe(
      `552 5.3.4 message exceeds the limit of ${limits.maxMimeParts} MIME parts`,
    );
  });
});

describe("MIME limits at submission", () => {
  it("refuses more attachments than the limit before 250, and sends nothing", async () => {
    const s = await smtpConnect(core.submissionPort);
    await s.command("EHLO laptop.example.test");
    expect(await s.command(`AUTH PLAIN ${Buffer.from("\0alice@example.test\0correct horse battery").toString("base64")}`)).toMatch(/^235 /);
    expect(await s.command("MAIL FROM:<alice@example.test>")).toMatch(/^250 /);
    expect(await s.command("RCPT TO:<dave@remote.test>")).toMatch(/^250 /);
    const tooMany = manyParts("sent files", limits.maxAttachments + 1, "file", { from: "alice@example.test", to: "dave@remote.test" });
    expect(await s.data(tooMany)).toBe(`552 5.3.4 message exceeds the limit of ${limits.maxAttachments} attachments`);
    // The session goes on: a message within the limits is taken and delivered.
    expect(await s.command("MAIL FROM:<alice@example.test>")).toMatch(/^250 /);
    expect(await s.command("RCPT TO:<dave@remote.test>")).toMatch(/^250 /);
    expect(await s.data(manyParts("some files", 3, "file", { from: "alice@example.test", to: "dave@remote.test" }))).toMatch(/^250 2\.0\.0 /);
    await s.close();
    const deadline = Date.now() + 15_000;
    while (!sink.messages.some((m) => m.raw.includes("Subject: some files")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sink.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]?.trim())).toEqual(["some files"]);
    expect((await core.queue.list()).filter((r) => r.recipient === "dave@remote.test")).toHaveLength(1);
  });
});
