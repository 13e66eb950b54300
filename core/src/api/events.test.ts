// The internal events and head endpoints, and the seq header of changes, against a real core: mail
// arrives over SMTP, changes go through the signed API, and what the endpoints say must match.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Folder, MessagePage } from "../../../shared/api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { EVENT_SEQ_HEADER, type CoreEventsPage, type CoreHead } from "../../../shared/internal-api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import type { Problem } from "../../../shared/problem.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { pruneEvents } from "../store/events.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let alice: { id: string; shard: string };
let bob: { id: string; shard: string };

const message = (to: string, subject: string) =>
  `From: Carol <carol@remote.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, "")}.${Date.now()}@remote.test>\r\n\r\nHello.\r\n`;

async function deliver(to: string, subjects: string[]): Promise<void> {
  for (const subject of subjects) expect(await sendMail(core.smtpPort, "carol@remote.test", [to], message(to, subject))).toMatch(/^250 /);
}

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(status);
  return (await r.json()) as T;
}

const eventsOf = (userId: string, query = "") => json<CoreEventsPage>(api("GET", `/internal/v1/users/${userId}/events${query}`));
const headOf = (userId: string, query = "") => json<CoreHead>(api("GET", `/internal/v1/users/${userId}/head${query}`));
const seqHeader = (res: Response) => Number(res.headers.get(EVENT_SEQ_HEADER));

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  alice = await core.addUser("alice@example.test");
  bob = await core.addUser("bob@example.test");
  await deliver("alice@example.test", ["one", "two", "three", "four", "five"]);
  await core.pipeline.idle();
});
afterAll(() => core?.destroy());

describe("GET /internal/v1/users/:id/events", () => {
  it("lists every change since a seq, oldest first, gapless, with the latest seq", async () => {
    const all = await eventsOf(alice.id);
    expect(all.gap).toBe(false);
    expect(all.events.map((e) => e.seq)).toEqual(Array.from({ length: all.seq }, (_, i) => i + 1));
    const created = all.events.flatMap((e) => (e.type === "message.created" ? [e.data.message.subject] : []));
    expect(created).toEqual(["one", "two", "three", "four", "five"]);
    const last = all.events.at(-1)!;
    expect(last.type).toBe("folder.counts");
    const inbox = (await json<{ folders: Folder[] }>(api("GET", `/internal/v1/users/${alice.id}/folders`))).folders.find((f) => f.role === "inbox")!;
    expect(last.type === "folder.counts" && last.data.folders).toEqual([{ id: inbox.id, unread: 5, total: 5 }]);

    const page = await eventsOf(alice.id, "?since=2&limit=2");
    expect(page.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(page.seq).toBe(all.seq);
    expect(await eventsOf(alice.id, `?since=${all.seq}`)).toEqual({ events: [], seq: all.seq, gap: false });
  });

  it("says gap once the events after since were pruned", async () => {
    await deliver("bob@example.test", ["for bob"]);
    await core.pipeline.idle();
    const before = await eventsOf(bob.id);
    expect(before.seq).toBeGreaterThan(0);
    await pruneEvents(core.shards.get(bob.shard), Date.now() + 1);
    expect(await eventsOf(bob.id)).toEqual({ events: [], seq: before.seq, gap: true });
    expect(await eventsOf(bob.id, `?since=${before.seq}`)).toEqual({ events: [], seq: before.seq, gap: false });
  });

  it("refuses bad query values with a 400 naming the field", async () => {
    const cases: [string, string][] = [
      [`events?since=-1`, "query.since"],
      [`events?since=abc`, "query.since"],
      [`events?limit=0`, "query.limit"],
      [`events?limit=1001`, "query.limit"],
      [`events?limit=2.5`, "query.limit"],
      [`head?limit=0`, "query.limit"],
      [`head?limit=201`, "query.limit"],
      [`head?limit=ten`, "query.limit"],
    ];
    for (const [path, field] of cases) {
      const problem = await json<Problem>(api("GET", `/internal/v1/users/${alice.id}/${path}`), 400);
      expect(problem.errors?.map((e) => e.field), path).toEqual([field]);
    }
    expect((await json<Problem>(api("GET", `/internal/v1/users/${alice.id}/events?cursor=1`), 400)).errors?.[0]?.message).toMatch(/cursor/);
    await json<Problem>(api("GET", `/internal/v1/users/${uuidv7()}/events`), 404);
  });
});

describe("GET /internal/v1/users/:id/head", () => {
  it("gives the folders, the first inbox page newest first and the seq they belong to", async () => {
    const head = await headOf(alice.id, "?limit=2");
    const folders = (await json<{ folders: Folder[] }>(api("GET", `/internal/v1/users/${alice.id}/folders`))).folders;
    const page = await json<MessagePage>(api("GET", `/internal/v1/users/${alice.id}/folders/inbox/messages?limit=2`));
    expect(head).toEqual({ seq: (await eventsOf(alice.id)).seq, folders, inbox: page.messages, inboxHasMore: true });
    expect(head.inbox.map((m) => m.subject)).toEqual(["five", "four"]);
    expect((await headOf(alice.id, "?limit=200")).inboxHasMore).toBe(false);
    expect((await headOf(alice.id)).inbox).toHaveLength(5);
  });

  it("is one snapshot: its counts, its inbox and the events up to its seq agree while mail arrives", async () => {
    const carol = await core.addUser("carol@example.test");
    const arriving = deliver("carol@example.test", Array.from({ length: 40 }, (_, i) => `burst ${i}`));
    const heads: CoreHead[] = [];
    let done = false;
    void arriving.finally(() => (done = true));
    while (!done || heads.length < 5) {
      heads.push(await headOf(carol.id, "?limit=200"));
      if (done) await core.pipeline.idle();
    }
    await arriving;
    const log = await eventsOf(carol.id, "?limit=1000");
    expect(new Set(heads.map((h) => h.seq)).size).toBeGreaterThan(1);
    for (const head of heads) {
      const inbox = head.folders.find((f) => f.role === "inbox")!;
      const upToHead = log.events.filter((e: CoreEvent) => e.seq <= head.seq);
      expect(head.inbox.length).toBe(inbox.total);
      expect(upToHead.filter((e) => e.type === "message.created").length).toBe(inbox.total);
      expect(head.inbox.map((m) => m.id).sort()).toEqual(upToHead.flatMap((e) => (e.type === "message.created" ? [e.data.message.id] : [])).sort());
    }
  });
});

describe("changes through the API", () => {
  it("answer with the user's seq after the change, and record what changed", async () => {
    const base = `/internal/v1/users/${alice.id}`;
    const [newest] = (await headOf(alice.id, "?limit=1")).inbox;
    const start = (await eventsOf(alice.id)).seq;

    const read = await api("PATCH", `${base}/messages/${newest!.id}`, { read: true });
    expect(read.status).toBe(200);
    expect(seqHeader(read)).toBe(start + 2);
    expect((await eventsOf(alice.id, `?since=${start}`)).events.map((e) => e.type)).toEqual(["message.updated", "folder.counts"]);

    const again = await api("PATCH", `${base}/messages/${newest!.id}`, { read: true });
    expect(seqHeader(again)).toBe(start + 2);

    const trashed = await api("DELETE", `${base}/messages/${newest!.id}`);
    expect(((await trashed.json()) as { deleted: string }).deleted).toBe("moved-to-trash");
    expect(seqHeader(trashed)).toBe(start + 4);
    const gone = await api("DELETE", `${base}/messages/${newest!.id}`);
    expect(seqHeader(gone)).toBe(start + 6);
    expect((await eventsOf(alice.id, `?since=${start + 4}`)).events.map((e) => [e.type, e.data])).toEqual([
      ["message.deleted", { id: newest!.id, folderId: expect.any(String) }],
      ["folder.counts", { folders: [expect.objectContaining({ total: 0 })] }],
    ]);

    const draftId = uuidv7();
    const saved = await api("PUT", `${base}/drafts/${draftId}`, { draft: { to: ["dave@remote.test"], subject: "draft v1" }, attachments: [] });
    expect(saved.status).toBe(200);
    expect(seqHeader(saved)).toBe(start + 8);
    const replaced = await api("PUT", `${base}/drafts/${draftId}`, { draft: { to: ["dave@remote.test"], subject: "draft v2" }, attachments: [] });
    expect(seqHeader(replaced)).toBe(start + 12);
    const drafts = await eventsOf(alice.id, `?since=${start + 6}`);
    expect(drafts.events.map((e) => (e.type === "message.created" ? `created ${e.data.message.subject}` : e.type))).toEqual([
      "created draft v1",
      "folder.counts",
      "message.deleted",
      "folder.counts",
      "created draft v2",
      "folder.counts",
    ]);
    const draftsFolder = (await headOf(alice.id)).folders.find((f) => f.role === "drafts")!;
    expect(drafts.events.at(-1)!.data).toEqual({ folders: [{ id: draftsFolder.id, unread: 0, total: 1 }] });

    // Refused: a draft cannot take the id of a message that is not a draft. Nothing is recorded.
    const [inboxMessage] = (await headOf(alice.id, "?limit=1")).inbox;
    const conflict = await api("PUT", `${base}/drafts/${inboxMessage!.id}`, { draft: { subject: "steal" }, attachments: [] });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get(EVENT_SEQ_HEADER)).toBeNull();
    expect((await eventsOf(alice.id)).seq).toBe(start + 12);

    const reservation = await api("POST", `${base}/outbox/reservations`, { requestHash: "0".repeat(64), recipients: 1 });
    expect(reservation.status).toBe(200);
    // Reserving changes no mailbox: no event, no seq to wait for.
    expect(reservation.headers.get(EVENT_SEQ_HEADER)).toBeNull();
    expect((await eventsOf(alice.id)).seq).toBe(start + 12);
  });
});
