// Kill -9 the core in the middle of a burst of mail, start it again: every message that was
// answered 250 is filed exactly once, its raw bytes readable; nothing acknowledged is lost, nothing is
// duplicated.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, type Child } from "../../../test/support/process.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startCoreProcess, testConfig } from "../../../test/support/temp-core.ts";
import { createUser } from "../mailbox/accounts.ts";
import { Directory } from "../store/directory.ts";
import { openBlobStore, startLocalR2IfNeeded } from "../store/open-blobs.ts";
import { Shards } from "../store/shards.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-crash-"));
let child: Child | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("crash between 250 and filing", () => {
  it("loses nothing acknowledged and duplicates nothing, across repeated kill -9", { timeout: 180_000 }, async () => {
    const config = testConfig(dataDir);
    const directory = await Directory.open(config.directoryUrl);
    const shards = await Shards.open(config.shards);
    await directory.addDomain("example.test");
    const alice = await createUser({ directory, shards }, { address: "alice@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    const shard = shards.get(alice.shard);

    const smtpPort = await freePort();
    const apiPort = await freePort();
    const acknowledged = new Set<string>();
    let recoveredTotal = 0;
    for (let round = 0; round < 3; round++) {
      const started = await startCoreProcess(dataDir, { SMTP_PORT: String(smtpPort), API_PORT: String(apiPort) });
      child = started.child;
      recoveredTotal += started.recovered;
      // 16 sessions send as fast as they can; the core is killed as the 60th acknowledgement arrives,
      // while others are mid-DATA and the pipeline is mid-batch.
      let acked = 0;
      let killed = false;
      const sessions = Array.from({ length: 16 }, async (_, s) => {
        for (let i = 0; !killed; i++) {
          const subject = `r${round}-s${s}-m${i}`;
          const reply = await sendMail(smtpPort, "bob@remote.test", ["alice@example.test"], `From: bob@remote.test\r\nSubject: ${subject}\r\n\r\n${"x".repeat(40_000)}\r\n`).catch(() => "connection lost");
          if (reply.startsWith("250")) {
            acknowledged.add(subject);
            if (++acked === 60 && !killed) {
              killed = true;
              child!.kill("SIGKILL");
            }
          }
        }
      });
      await Promise.all(sessions);
      await child.exited;
      console.log(`round ${round}: recovered ${started.recovered}, acknowledged so far ${acknowledged.size}`);
    }

    const last = await startCoreProcess(dataDir, { SMTP_PORT: String(smtpPort), API_PORT: String(apiPort) });
    child = last.child;
    recoveredTotal += last.recovered;
    // Wait until the pipeline has drained what it recovered.
    const deadline = Date.now() + 60_000;
    let subjects: string[] = [];
    while (Date.now() < deadline) {
      const rows = await shard.client.execute({ sql: "select subject from messages where user_id = ?", args: [alice.id] });
      subjects = rows.rows.map((r) => String(r.subject));
      if (subjects.length >= acknowledged.size) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const missing = [...acknowledged].filter((s) => !subjects.includes(s));
    expect(missing, "acknowledged but never filed").toEqual([]);
    expect(subjects.length - new Set(subjects).size, "filed twice").toBe(0);
    const counts = await shard.client.execute({ sql: "select total, unread from folders where user_id = ? and role = 'inbox'", args: [alice.id] });
    expect(Number(counts.rows[0]!.total)).toBe(subjects.length);
    // The kills did land between 250 and filing: the restarts found spooled, unfiled mail.
    expect(recoveredTotal).toBeGreaterThan(0);
    // Every filed message's raw bytes are where its row says, though the pipeline puts them while the
    // shard commits (a kill in between left a row pointing at a pack never stored, until the refiling).
    const { config: blobConfig, stop } = await startLocalR2IfNeeded(config.blobs);
    const blobs = openBlobStore(blobConfig);
    try {
      const raws = await shard.client.execute({ sql: "select subject, raw_key, raw_offset, raw_length from messages where user_id = ?", args: [alice.id] });
      const unreadable: string[] = [];
      for (const r of raws.rows) {
        const raw = await blobs.get(String(r.raw_key), { offset: Number(r.raw_offset), length: Number(r.raw_length) });
        if (!raw || !Buffer.from(raw).toString().includes(`Subject: ${String(r.subject)}`)) unreadable.push(String(r.subject));
      }
      expect(unreadable, "filed without readable raw bytes").toEqual([]);
    } finally {
      await blobs.close();
      await stop();
    }
    shards.close();
    directory.close();
  });
});
