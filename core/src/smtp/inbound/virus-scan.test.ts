// The MX with a real clamd (Debian's clamav-daemon, started by the test with an EICAR signature):
// infected mail is refused at DATA and never filed; clean mail is marked as scanned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clamdMissing, EICAR, startClamd, type TestClamd } from "../../../../test/support/clamd.ts";
import { freePort } from "../../../../test/support/process.ts";
import { sendMail } from "../../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { getMessage, listMessages } from "../../store/mailbox.ts";

const withAttachment = (subject: string, content: Buffer) =>
  [
    "From: Bob <bob@remote.test>",
    "To: alice@example.test",
    `Subject: ${subject}`,
    "Date: Tue, 24 Nov 2026 10:00:00 +0000",
    `Message-ID: <${subject.replace(/\W/g, "")}@remote.test>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain",
    "",
    "See the attachment.",
    "--b1",
    'Content-Type: application/octet-stream; name="invoice.com"',
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="invoice.com"',
    "",
    content.toString("base64"),
    "--b1--",
    "",
  ].join("\r\n");

async function filedVirusScan(core: TempCore, user: { id: string; shard: string }, subject: string) {
  await core.pipeline.idle();
  const page = await listMessages(core.shards.get(user.shard), user.id, "inbox", { limit: 100 });
  const m = page.messages.find((x) => x.subject === subject);
  return m ? (await getMessage(core.shards.get(user.shard), user.id, m.id)).virusScan : null;
}

async function filedRisks(core: TempCore, user: { id: string; shard: string }, subject: string) {
  const page = await listMessages(core.shards.get(user.shard), user.id, "inbox", { limit: 100 });
  const m = page.messages.find((x) => x.subject === subject)!;
  return (await getMessage(core.shards.get(user.shard), user.id, m.id)).attachments.map((a) => [a.filename, a.risk?.reason ?? null]);
}

describe.skipIf(clamdMissing)("virus scanning at DATA with a real clamd", () => {
  let clamd: TestClamd;
  let core: TempCore;
  let alice: { id: string; shard: string };
  beforeAll(async () => {
    clamd = await startClamd();
    core = await startTempCore({ CLAMD_ADDRESS: `127.0.0.1:${clamd.address.kind === "tcp" ? clamd.address.port : 0}` });
    alice = await core.addUser("alice@example.test");
  }, 60_000);
  afterAll(async () => {
    await core?.destroy();
    await clamd?.stop();
  });

  it("refuses a message with EICAR in a base64 attachment with 554 5.7.1, and files nothing", async () => {
    const reply = await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], withAttachment("infected invoice", EICAR));
    expect(reply).toMatch(/^554 5\.7\.1 .*virus \(Eicar-Test-Signature/);
    expect(await filedVirusScan(core, alice, "infected invoice")).toBeNull();
  });

  it("files a clean message marked clean", async () => {
    expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], withAttachment("clean invoice", Buffer.from("just numbers 1 2 3")))).toMatch(/^250 /);
    expect(await filedVirusScan(core, alice, "clean invoice")).toBe("clean");
    // Clean to clamd, and still a program by its name: the client is told to warn before opening.
    expect(await filedRisks(core, alice, "clean invoice")).toEqual([["invoice.com", "executable"]]);
  });
});

describe("without a working scanner", () => {
  it("marks mail unscanned when no clamd is configured, or when the configured one does not answer", async () => {
    const plain = await startTempCore();
    const down = await startTempCore({ CLAMD_ADDRESS: `127.0.0.1:${await freePort()}` });
    try {
      for (const core of [plain, down]) {
        const alice = await core.addUser("alice@example.test");
        expect(await sendMail(core.smtpPort, "bob@remote.test", ["alice@example.test"], withAttachment("no scanner", Buffer.from("hello")))).toMatch(/^250 /);
        expect(await filedVirusScan(core, alice, "no scanner")).toBe("unscanned");
      }
    } finally {
      await plain.destroy();
      await down.destroy();
    }
  });
});
