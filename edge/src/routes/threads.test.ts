// Threads through the worker, inside workerd, with real mail into the seeded core over SMTP: a child
// that arrives before its parent, the merge the parent brings (message.updated through the hub), a
// thread read, a folder listed one row per thread, and their errors. Ivy gets only this file's mail.
import { beforeAll, describe, expect, it } from "vitest";
import { MessagePage, Thread, type ListedMessage } from "../../../shared/api.ts";
import { api, conforms, login } from "../../test/api.ts";
import { openSocket, pumpUntil, sendSmtp, type EventSocket } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";

let ivy: string;
let bob: string;
let socket: EventSocket;
const tag = crypto.randomUUID().slice(0, 8);
const id = (name: string) => `<${name}-${tag}@remote.test>`;


type Created = { message: ListedMessage };
type Updated = { id: string; threadId: string };

const createdOf = (subject: string) =>
  socket.events().flatMap((e) => (e.type === "message.created" && (e.data as Created).message.subject === subject ? [(e.data as Created).message] : []))[0];

async function deliver(mail: { from: string; subject: string; messageId: string; inReplyTo?: string; references?: string }): Promise<ListedMessage> {
  const sent = await sendSmtp({ to: seed.ivy.address, text: `${mail.subject} body`, ...mail });
  expect(sent.response).toMatch(/^250 /);
  await pumpUntil(() => createdOf(mail.subject) !== undefined);
  return createdOf(mail.subject)!;
}

beforeAll(async () => {
  ivy = await login(seed.ivy.address, seed.ivy.password);
  bob = await login(seed.bob.address, seed.bob.password);
  socket = await openSocket(ivy);
});

describe("threads", () => {
  let root: ListedMessage;
  let child: ListedMessage;
  let parent: ListedMessage;

  it("threads a child that came first, and merges its thread when the parent joins it to the root", async () => {
    root = await deliver({ from: "carol@remote.test", subject: `Trip ${tag}`, messageId: id("root") });
    // It names only its parent, which has not arrived, and has no one but Ivy in common with the
    // root: a thread of its own for now.
    child = await deliver({ from: "dave@remote.test", subject: `Re: Trip ${tag} (dave)`, messageId: id("child"), inReplyTo: id("parent"), references: id("parent") });
    expect(root.threadId).toBe(root.id);
    expect(child.threadId).toBe(child.id);

    parent = await deliver({ from: "carol@remote.test", subject: `Re: Trip ${tag} (carol)`, messageId: id("parent"), inReplyTo: id("root"), references: id("root") });
    expect(parent.threadId).toBe(root.id);
    const merged = socket.events().find((e) => e.type === "message.updated" && (e.data as Updated).id === child.id);
    expect(merged?.data).toMatchObject({ id: child.id, threadId: root.id, read: false, starred: false });
  });

  it("serves the inbox head from the hub equal to the core's, thread ids included", async () => {
    const hub = await api("/api/v1/folders/inbox/messages?limit=10", { token: ivy });
    const core = await api("/api/v1/folders/inbox/messages?limit=10", { token: ivy, headers: { "cache-control": "no-cache" } });
    expect(hub.headers.get("x-edgemail-served-by")).toBe("hub");
    expect(core.headers.get("x-edgemail-served-by")).toBe("core");
    const fromHub = await conforms(hub, MessagePage);
    expect(fromHub).toEqual(await conforms(core, MessagePage));
    expect(fromHub.messages.map((m) => [m.id, m.threadId])).toEqual([parent, child, root].map((m) => [m.id, root.id]));
  });

  it("reads a thread oldest first with its counts", async () => {
    const thread = await conforms(await api(`/api/v1/threads/${root.id}`, { token: ivy }), Thread);
    expect(thread).toMatchObject({ id: root.id, subject: `Trip ${tag}`, messageCount: 3, unread: 3 });
    expect(thread.messages.map((m) => m.id)).toEqual([root.id, child.id, parent.id]);
    // The merged-away id names no thread any more.
    expect((await api(`/api/v1/threads/${child.id}`, { token: ivy })).status).toBe(404);
  });

  it("lists the inbox one row per thread, from the core, paging by cursor", async () => {
    const single = await deliver({ from: "erin@remote.test", subject: `Alone ${tag}`, messageId: id("alone") });
    const first = await api("/api/v1/folders/inbox/messages?limit=1&collapseThreads=true", { token: ivy });
    expect(first.headers.get("x-edgemail-served-by")).toBe("core");
    const page1 = await conforms(first, MessagePage);
    expect(page1.messages.map((m) => [m.id, m.threadSize])).toEqual([[single.id, 1]]);
    const page2 = await conforms(
      await api(`/api/v1/folders/inbox/messages?limit=1&collapseThreads=true&cursor=${encodeURIComponent(page1.nextCursor!)}`, { token: ivy }),
      MessagePage,
    );
    expect(page2.messages.map((m) => [m.id, m.threadId, m.threadSize])).toEqual([[parent.id, root.id, 3]]);
    expect(page2.nextCursor).toBeNull();
    // Listed message by message, nothing is collapsed and no row has a size.
    const flat = await conforms(await api("/api/v1/folders/inbox/messages?collapseThreads=false", { token: ivy }), MessagePage);
    expect(flat.messages).toHaveLength(4);
    expect(flat.messages.some((m) => m.threadSize !== undefined)).toBe(false);
  });

  it("answers 404 problem+json for another user's thread and an unknown id, and 400 naming a bad flag", async () => {
    for (const [token, path] of [
      [bob, `/api/v1/threads/${root.id}`],
      [ivy, "/api/v1/threads/01900000-0000-7000-8000-000000000000"],
      [ivy, "/api/v1/threads/not-an-id"],
    ] as const) {
      const res = await api(path, { token });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
    const bad = await api("/api/v1/folders/inbox/messages?collapseThreads=maybe", { token: ivy });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string; message: string }[] }).errors[0]).toEqual({
      field: "query.collapseThreads",
      message: "collapseThreads must be true or false",
    });
  });
});
