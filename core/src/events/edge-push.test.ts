// A real core pushing to a loopback receiver in the edge's place (which checks every signature):
// mail that arrives over SMTP and changes made through the API reach it, and a core killed before
// the edge took its events pushes them again when it starts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { startEventReceiver } from "../../../test/support/event-receiver.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { freePort, type Child } from "../../../test/support/process.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startCoreProcess, startTempCore, testConfig, type TempCore } from "../../../test/support/temp-core.ts";
import { createUser } from "../mailbox/accounts.ts";
import { Directory } from "../store/directory.ts";
import { Shards } from "../store/shards.ts";

const message = (to: string, subject: string) =>
  `From: Carol <carol@remote.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}@remote.test>\r\n\r\nHello.\r\n`;

const summary = (e: CoreEvent) => (e.type === "message.created" ? `created ${e.data.message.subject}` : e.type);

let core: TempCore | undefined;
let child: Child | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-push-"));
afterAll(async () => {
  await core?.destroy();
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("events pushed to the edge", () => {
  it("brings an SMTP delivery as message.created + folder.counts, and an API change as message.updated", async () => {
    const receiver = await startEventReceiver();
    core = await startTempCore({ EDGE_URL: receiver.url, REGION: "eu-test" });
    const alice = await core.addUser("alice@example.test");
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], message("alice@example.test", "hello alice"))).toMatch(/^250 /);

    const ofAlice = () => receiver.accepted().filter((e) => e.userId === alice.id);
    await receiver.until(() => ofAlice().length >= 2);
    const [created, counts] = ofAlice();
    expect(created).toMatchObject({ seq: 1, type: "message.created", data: { message: { subject: "hello alice", from: { name: "Carol", address: "carol@remote.test" }, read: false } } });
    expect(counts).toMatchObject({ seq: 2, type: "folder.counts", data: { folders: [{ unread: 1, total: 1 }] } });
    expect(receiver.pushes.every((p) => p.signature === "ok" && p.path === "/internal/v1/events" && p.body.region === "eu-test")).toBe(true);

    // A change on the main thread (the internal API) goes through the pipeline thread's notifier too.
    const api = internalApi(core.apiPort);
    const id = created!.type === "message.created" ? created!.data.message.id : "";
    const patched = await api("PATCH", `/internal/v1/users/${alice.id}/messages/${id}`, { read: true });
    expect(patched.headers.get("x-edgemail-event-seq")).toBe("4");
    await receiver.until(() => ofAlice().length >= 4);
    expect(ofAlice().slice(2).map((e) => [e.seq, e.type, e.data])).toEqual([
      [3, "message.updated", { id, folderId: created!.type === "message.created" ? created!.data.message.folderId : "", read: true, starred: false, threadId: id }],
      [4, "folder.counts", { folders: [expect.objectContaining({ unread: 0, total: 1 })] }],
    ]);

    // Sending a saved draft: the Sent copy and the copy for a local recipient are filed by the
    // pipeline, which then discards the draft; all of it reaches the edge.
    const draftId = uuidv7();
    const saved = await api("PUT", `/internal/v1/users/${alice.id}/drafts/${draftId}`, { draft: { to: ["alice@example.test"], subject: "note to self" }, attachments: [] });
    expect(saved.headers.get("x-edgemail-event-seq")).toBe("6");
    const messageId = uuidv7();
    const sent = await api("POST", `/internal/v1/users/${alice.id}/outbox`, {
      messageId,
      createdAt: Date.now(),
      message: { to: ["alice@example.test"], subject: "note to self", text: "Remember.", draftId },
      attachments: [],
    });
    expect(sent.status).toBe(202);
    await receiver.until(() => ofAlice().some((e) => e.type === "message.deleted"));
    const sending = ofAlice().slice(6);
    expect(sending.map(summary)).toEqual(["created note to self", "created note to self", "folder.counts", "message.deleted", "folder.counts"]);
    expect(sending[3]!.data).toEqual({ id: draftId, folderId: expect.any(String) });
    expect(sending.map((e) => e.seq)).toEqual([7, 8, 9, 10, 11]);

    // The receiver has the events a moment before the notifier has read its answer and emptied the backlog.
    let metrics = "";
    for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
      metrics = await (await fetch(`http://127.0.0.1:${core.apiPort}/metrics`)).text();
      if (/^edgemail_events_backlog 0$/m.test(metrics) || Date.now() > deadline) break;
    }
    expect(metrics).toMatch(/^edgemail_events_pushed_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^edgemail_events_backlog 0$/m);
    await core.destroy();
    core = undefined;
    await receiver.stop();
  });

  it("pushes again, after a kill -9 and a restart, what the edge had not taken", { timeout: 120_000 }, async () => {
    const receiver = await startEventReceiver();
    receiver.answer(503);
    const config = testConfig(dataDir);
    const directory = await Directory.open(config.directoryUrl);
    const shards = await Shards.open(config.shards);
    await directory.addDomain("example.test");
    const bob = await createUser({ directory, shards }, { address: "bob@example.test", password: "correct horse", quotaBytes: 10 ** 9, region: "local" });
    shards.close();
    directory.close();
    const [smtpPort, submissionPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const start = async () =>
      (await startCoreProcess(dataDir, { SMTP_PORT: String(smtpPort), SUBMISSION_PORT: String(submissionPort), API_PORT: String(apiPort), EDGE_URL: receiver.url })).child;

    child = await start();
    for (const subject of ["before the crash 1", "before the crash 2"]) {
      expect(await sendMail(smtpPort, "carol@remote.test", ["bob@example.test"], message("bob@example.test", subject))).toMatch(/^250 /);
    }
    // Filed and offered to the edge (again and again), which refused: the events exist only in the shard now.
    const offered = () => receiver.pushes.flatMap((p) => p.body.events).filter((e) => e.userId === bob.id);
    const createdSeqs = (events: CoreEvent[]) => new Set(events.filter((e) => e.type === "message.created").map((e) => e.seq)).size;
    await receiver.until(() => createdSeqs(offered()) === 2);
    child.kill("SIGKILL");
    await child.exited;
    expect(receiver.accepted()).toEqual([]);

    receiver.answer(200);
    child = await start();
    const ofBob = () => receiver.accepted().filter((e) => e.userId === bob.id);
    await receiver.until(() => createdSeqs(ofBob()) === 2);
    const seqs = [...new Set(ofBob().map((e) => e.seq))].sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(ofBob().map(summary).filter((s) => s.startsWith("created"))).toEqual(["created before the crash 1", "created before the crash 2"]);
    expect(ofBob().at(-1)).toMatchObject({ type: "folder.counts", data: { folders: [{ unread: 2, total: 2 }] } });
    // What was re-pushed is what had been offered before the crash, event for event.
    const byKey = new Map(offered().map((e) => [e.seq, e]));
    for (const e of ofBob()) expect(e).toEqual(byKey.get(e.seq));
    expect(child.output()).toMatch(/"msg":"events: pushing to the edge".*"repushed":[1-9]/);

    child.kill("SIGTERM");
    await child.exited;
    child = undefined;
    await receiver.stop();
  });
});
