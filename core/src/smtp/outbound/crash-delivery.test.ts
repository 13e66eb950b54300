// Kill -9 the core while it delivers (the remote server has the message but has not yet answered
// 250), start it again: every message accepted for sending arrives exactly once — at the remote
// server, in the sender's Sent folder and in a local recipient's inbox.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, type Child } from "../../../../test/support/process.ts";
import { startSmtpSink } from "../../../../test/support/smtp-sink.ts";
import { startCoreProcess, testConfig } from "../../../../test/support/temp-core.ts";
import { createUser } from "../../mailbox/accounts.ts";
import { Directory } from "../../store/directory.ts";
import { OutboundQueue } from "../../store/outbound-queue.ts";
import { Shards } from "../../store/shards.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-crash-send-"));
const dataDir2 = mkdtempSync(path.join(tmpdir(), "edgemail-crash-outcomes-"));
let child: Child | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dataDir2, { recursive: true, force: true });
});

describe("crash during delivery", () => {
  it("delivers everything accepted exactly once after kill -9 and restart", { timeout: 120_000 }, async () => {
    const sink = await startSmtpSink();
    const config = testConfig(dataDir);
    const directory = await Directory.open(config.directoryUrl);
    const shards = await Shards.open(config.shards);
    await directory.addDomain("example.test");
    const alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    const bob = await createUser({ directory, shards }, { address: "bob@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    const [smtpPort, submissionPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const start = async () =>
      (
        await startCoreProcess(dataDir, {
          SMTP_PORT: String(smtpPort),
          SUBMISSION_PORT: String(submissionPort),
          API_PORT: String(apiPort),
          TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`,
        })
      ).child;

    child = await start();
    // The remote server holds its answer to the final dot; as soon as it has the first message,
    // the core dies with it in flight.
    let killed = false;
    sink.setDataDelay(2000, () => {
      if (!killed) {
        killed = true;
        child!.kill("SIGKILL");
      }
    });
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: submissionPort, secure: false, ignoreTLS: true, auth: { user: "alice@example.test", pass: "correct horse" } });
    const subjects = ["first", "second", "third"];
    const accepted: string[] = [];
    for (const subject of subjects) {
      try {
        await transport.sendMail({ from: "alice@example.test", to: ["carol@remote.test", "bob@example.test"], subject, text: `This is the ${subject} message.` });
        accepted.push(subject);
      } catch {
        // the core is gone: this one was never acknowledged
      }
    }
    transport.close();
    await child.exited;
    expect(killed).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);

    sink.setDataDelay(0);
    child = await start();
    const copies = (subject: string) => sink.messages.filter((m) => m.raw.toString().includes(`Subject: ${subject}\r\n`)).length;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !accepted.every((s) => copies(s) >= 1)) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000)); // room for a duplicate to show up, were there one

    for (const subject of accepted) expect(copies(subject), `remote copies of "${subject}"`).toBe(1);
    const count = async (userId: string, shard: string, role: string, subject: string) =>
      Number(
        (
          await shards.get(shard).client.execute({
            sql: "select count(*) as n from messages m join folders f on f.user_id = m.user_id and f.folder_id = m.folder_id where m.user_id = ? and f.role = ? and m.subject = ?",
            args: [userId, role, subject],
          })
        ).rows[0]!.n,
      );
    for (const subject of accepted) {
      expect(await count(alice.id, alice.shard, "sent", subject), `Sent copies of "${subject}"`).toBe(1);
      expect(await count(bob.id, bob.shard, "inbox", subject), `Bob's copies of "${subject}"`).toBe(1);
    }
    child.kill("SIGTERM");
    await child.exited;
    await sink.close();
    shards.close();
    directory.close();
  });

  // Outcomes are group-committed without a sync of their own (OutboundQueue.record): what was
  // committed must survive kill -9, or every message delivered before the crash would go out again.
  it("sends nothing again after kill -9 once the outcomes are committed", { timeout: 120_000 }, async () => {
    const sink = await startSmtpSink();
    const config = testConfig(dataDir2);
    const directory = await Directory.open(config.directoryUrl);
    const shards = await Shards.open(config.shards);
    await directory.addDomain("example.test");
    await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    shards.close();
    directory.close();
    const [smtpPort, submissionPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const start = async () =>
      (await startCoreProcess(dataDir2, { SMTP_PORT: String(smtpPort), SUBMISSION_PORT: String(submissionPort), API_PORT: String(apiPort), TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}` })).child;
    child = await start();
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: submissionPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 5, auth: { user: "alice@example.test", pass: "correct horse" } });
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => transport.sendMail({ from: "alice@example.test", to: `r${i}@remote.test`, subject: `batch ${i}`, text: `Message ${i}.` })));
    transport.close();

    const queue = await OutboundQueue.open(config.queueUrl);
    const delivered = async () => (await queue.list()).filter((r) => r.state === "delivered").length;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (sink.messages.length < N || (await delivered()) < N)) await new Promise((r) => setTimeout(r, 50));
    expect(sink.messages).toHaveLength(N);
    expect(await delivered()).toBe(N);

    child.kill("SIGKILL");
    await child.exited;
    child = await start();
    await new Promise((r) => setTimeout(r, 2500)); // a start retries what it finds in flight at once
    expect(sink.messages, "copies at the remote server after the restart").toHaveLength(N);
    expect(await delivered()).toBe(N);
    queue.close();
    child.kill("SIGTERM");
    await child.exited;
    await sink.close();
  });
});
