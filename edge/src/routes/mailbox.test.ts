import { beforeAll, describe, expect, it } from "vitest";
import type { Account, Folder, Message, MessagePage } from "../../../shared/api.ts";
import { api, login } from "../../test/api.ts";
import { seed } from "../../test/seed.ts";

let alice: string;
let bob: string;

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function inbox(token: string, query = ""): Promise<MessagePage> {
  return json<MessagePage>(await api(`/api/v1/folders/inbox/messages${query}`, { token }));
}

/** One of the plain seed messages; each test that changes a message takes its own. */
async function seedMessage(n: number) {
  const page = await inbox(alice, "?limit=100");
  const found = page.messages.find((m) => m.subject === `seed ${n}`);
  expect(found, `seed ${n}`).toBeDefined();
  return found!;
}

beforeAll(async () => {
  alice = await login(seed.alice.address, seed.alice.password);
  bob = await login(seed.bob.address, seed.bob.password);
});

describe("folders and listing", () => {
  it("lists the standard folders with counts", async () => {
    const { folders } = await json<{ folders: Folder[] }>(await api("/api/v1/folders", { token: alice }));
    expect(folders.map((f) => f.role)).toEqual(["inbox", "sent", "drafts", "trash", "junk", "archive"]);
    const inboxFolder = folders.find((f) => f.role === "inbox")!;
    expect(inboxFolder.total).toBeGreaterThanOrEqual(seed.plainMessages + 1);
  });

  it("pages newest first by cursor, by folder id or role", async () => {
    const first = await inbox(alice, "?limit=10");
    expect(first.messages).toHaveLength(10);
    expect(first.nextCursor).toBeTruthy();
    const second = await inbox(alice, `?limit=10&cursor=${encodeURIComponent(first.nextCursor!)}`);
    const ids = [...first.messages, ...second.messages].map((m) => m.id);
    expect(new Set(ids).size).toBe(20);
    expect([...ids].sort().reverse()).toEqual(ids);
    const { folders } = await json<{ folders: Folder[] }>(await api("/api/v1/folders", { token: alice }));
    const byId = await json<MessagePage>(await api(`/api/v1/folders/${folders[0]!.id}/messages?limit=10`, { token: alice }));
    expect(byId.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
  });

  it("names the bad query parameter", async () => {
    for (const [q, field] of [["?limit=0", "query.limit"], ["?limit=abc", "query.limit"], ["?limit=10000", "query.limit"], ["?cursor=zzz", "cursor"], ["?sort=x", "query"]] as const) {
      const res = await api(`/api/v1/folders/inbox/messages${q}`, { token: alice });
      expect(res.status, q).toBe(400);
      const problem = (await res.json()) as { errors: { field: string }[] };
      expect(problem.errors[0]!.field, q).toBe(field);
    }
  });

  it("answers 404 for a folder that does not exist", async () => {
    expect((await api("/api/v1/folders/nonsense/messages", { token: alice })).status).toBe(404);
    expect((await api("/api/v1/folders/01900000-0000-7000-8000-000000000000/messages", { token: alice })).status).toBe(404);
  });
});

describe("messages", () => {
  it("reads a whole message with its attachments listed", async () => {
    const page = await inbox(alice, "?limit=100");
    const summary = page.messages.find((m) => m.subject === seed.attachmentSubject)!;
    expect(summary.hasAttachments).toBe(true);
    const message = await json<Message>(await api(`/api/v1/messages/${summary.id}`, { token: alice }));
    expect(message.from).toEqual({ name: "Carol", address: "carol@remote.test" });
    expect(message.text).toContain("Two files attached.");
    expect(message.attachments.map((a) => [a.filename, a.size])).toEqual([
      ["data.bin", 3000],
      [seed.secondAttachment.filename, seed.secondAttachment.text.length],
    ]);
  });

  it("hides other users' messages behind 404, for every method", async () => {
    const [bobs] = (await inbox(bob)).messages;
    expect(bobs).toBeDefined();
    for (const init of [{}, { method: "PATCH", json: { read: true } }, { method: "DELETE" }]) {
      const res = await api(`/api/v1/messages/${bobs!.id}`, { token: alice, ...init });
      expect(res.status).toBe(404);
    }
    expect((await api(`/api/v1/messages/${bobs!.id}/attachments/1`, { token: alice })).status).toBe(404);
    expect((await api(`/api/v1/messages/not-an-id`, { token: alice })).status).toBe(404);
  });

  it("marks read and starred, moves, and keeps the counts in step", async () => {
    const counts = async () => {
      const { folders } = await json<{ folders: Folder[] }>(await api("/api/v1/folders", { token: alice }));
      return Object.fromEntries(folders.map((f) => [f.role, f]));
    };
    const before = await counts();
    const m = await seedMessage(1);
    const patched = await json<Message>(await api(`/api/v1/messages/${m!.id}`, { token: alice, method: "PATCH", json: { read: true, starred: true } }));
    expect([patched.read, patched.starred]).toEqual([true, true]);
    expect((await counts()).inbox!.unread).toBe(before.inbox!.unread - 1);
    await json(await api(`/api/v1/messages/${m!.id}`, { token: alice, method: "PATCH", json: { folderId: "archive" } }));
    const after = await counts();
    expect(after.archive!.total).toBe(before.archive!.total + 1);
    expect(after.inbox!.total).toBe(before.inbox!.total - 1);
  });

  it("names the bad fields of a patch", async () => {
    const m = await seedMessage(2);
    const cases: [unknown, string][] = [
      [{ read: "yes" }, "read"],
      [{ colour: "red" }, "(body)"],
      [{}, "(body)"],
      [{ folderId: "01900000-0000-7000-8000-000000000000" }, "folderId"],
    ];
    for (const [json, field] of cases) {
      const res = await api(`/api/v1/messages/${m!.id}`, { token: alice, method: "PATCH", json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe(field);
    }
  });

  it("adds and removes keywords, which the hub's inbox head keeps, and names a bad keyword", async () => {
    const m = (await inbox(alice, "?limit=5")).messages[0]!;
    const label = (json: unknown) => api(`/api/v1/messages/${m.id}`, { token: alice, method: "PATCH", json });
    const labelled = await json<Message>(await label({ keywords: { add: ["edge-test", "$Important"] } }));
    expect(labelled.keywords).toEqual([...m.keywords, "edge-test", "$Important"]);
    const served = await api("/api/v1/folders/inbox/messages?limit=5", { token: alice });
    expect(served.headers.get("x-edgemail-served-by")).toBe("hub");
    expect((await json<MessagePage>(served)).messages.find((x) => x.id === m.id)!.keywords).toEqual(labelled.keywords);

    for (const [keywords, field] of [[{ add: ["$Seen"] }, "keywords.add.0"], [{ remove: ["no spaces"] }, "keywords.remove.0"], [{ add: ["x"], remove: ["X"] }, "keywords.remove.0"]] as const) {
      const res = await label({ keywords });
      expect(res.status, JSON.stringify(keywords)).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe(field);
    }

    const listed = await json<{ keywords: { keyword: string; total: number; unread: number }[] }>(await api("/api/v1/keywords", { token: alice }));
    expect(listed.keywords.find((k) => k.keyword === "edge-test")).toMatchObject({ total: 1 });
    expect((await json<{ keywords: { keyword: string }[] }>(await api("/api/v1/keywords", { token: bob }))).keywords.some((k) => k.keyword === "edge-test")).toBe(false);
    expect((await json<Message>(await label({ keywords: { remove: ["EDGE-TEST", "$important"] } }))).keywords).toEqual(m.keywords);
    const head = await json<MessagePage>(await api("/api/v1/folders/inbox/messages?limit=5", { token: alice }));
    expect(head.messages.find((x) => x.id === m.id)!.keywords).toEqual(m.keywords);
  });

  it("changes many messages in one call; the hub's head and counts follow; a stranger's ids are not found", async () => {
    const [a, b] = [await seedMessage(20), await seedMessage(21)];
    const headBefore = await json<MessagePage>(await api("/api/v1/folders/inbox/messages?limit=50", { token: alice }));
    expect(headBefore.messages.filter((m) => m.id === a.id || m.id === b.id), "both in the hub's head").toHaveLength(2);
    const bulk = (token: string, json: unknown) => api("/api/v1/messages", { token, method: "PATCH", json });
    const folders = async () => (await json<{ folders: Folder[] }>(await api("/api/v1/folders", { token: alice }))).folders;
    const archiveBefore = (await folders()).find((f) => f.role === "archive")!.total;

    const stolen = await json<{ updated: Message[]; notFound: string[] }>(await bulk(bob, { ids: [a.id, b.id], patch: { folderId: "junk" } }));
    expect(stolen).toEqual({ updated: [], notFound: [a.id, b.id] });

    const moved = await json<{ updated: Message[]; notFound: string[] }>(await bulk(alice, { ids: [a.id, b.id], patch: { folderId: "archive", starred: true } }));
    expect(moved.notFound).toEqual([]);
    expect(moved.updated.map((m) => [m.id, m.starred])).toEqual([[a.id, true], [b.id, true]]);
    const served = await api("/api/v1/folders/inbox/messages?limit=50", { token: alice });
    expect(served.headers.get("x-edgemail-served-by")).toBe("hub");
    expect((await json<MessagePage>(served)).messages.some((m) => m.id === a.id || m.id === b.id)).toBe(false);
    expect((await folders()).find((f) => f.role === "archive")!.total).toBe(archiveBefore + 2);

    for (const [body, field] of [
      [{ ids: [], patch: { read: true } }, "ids"],
      [{ ids: [a.id, a.id], patch: { read: true } }, "ids"],
      [{ ids: ["nope"], patch: { read: true } }, "ids.0"],
      [{ ids: [a.id], patch: {} }, "patch"],
      [{ ids: [a.id], patch: { folderId: "01890000-0000-7000-8000-000000000000" } }, "patch.folderId"],
      [{ ids: [a.id] }, "patch"],
    ] as const) {
      const res = await bulk(alice, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field, JSON.stringify(body)).toBe(field);
    }
    await json(await bulk(alice, { ids: [a.id, b.id], patch: { folderId: "inbox", starred: false } }));
  });

  it("deletes many in one call: to Trash, then for good; a stranger's ids are not found; names the bad field", async () => {
    const [a, b] = [await seedMessage(22), await seedMessage(23)];
    const account = async () => json<Account>(await api("/api/v1/account", { token: alice }));
    const bulkDelete = (token: string, json: unknown) => api("/api/v1/messages/delete", { token, method: "POST", json });
    expect(await json(await bulkDelete(bob, { ids: [a.id, b.id] }))).toEqual({ trashed: [], deleted: [], notFound: [a.id, b.id] });
    expect(await json(await bulkDelete(alice, { ids: [a.id] }))).toEqual({ trashed: [a.id], deleted: [], notFound: [] });
    const before = await account();
    expect(await json(await bulkDelete(alice, { ids: [a.id, b.id] }))).toEqual({ trashed: [b.id], deleted: [a.id], notFound: [] });
    expect((await api(`/api/v1/messages/${a.id}`, { token: alice })).status).toBe(404);
    expect((await json<Message>(await api(`/api/v1/messages/${b.id}`, { token: alice }))).folderId).not.toBe(a.folderId);
    const after = await account();
    expect(after.quota.usedBytes).toBe(before.quota.usedBytes - a.size);
    for (const [body, field] of [
      [{ ids: [] }, "ids"],
      [{ ids: [b.id, b.id] }, "ids"],
      [{ ids: ["nope"] }, "ids.0"],
      [{}, "ids"],
      [{ ids: [b.id], patch: {} }, ""],
    ] as const) {
      const res = await bulkDelete(alice, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      if (field) expect(((await res.json()) as { errors: { field: string }[] }).errors[0]!.field, JSON.stringify(body)).toBe(field);
    }
  });

  it("deletes to trash, then permanently, and gives the quota back", async () => {
    const account = async () => json<Account>(await api("/api/v1/account", { token: alice }));
    const m = await seedMessage(3);
    const before = await account();
    expect(await json(await api(`/api/v1/messages/${m!.id}`, { token: alice, method: "DELETE" }))).toEqual({ id: m!.id, deleted: "moved-to-trash" });
    expect(await json(await api(`/api/v1/messages/${m!.id}`, { token: alice, method: "DELETE" }))).toEqual({ id: m!.id, deleted: "permanently" });
    expect((await api(`/api/v1/messages/${m!.id}`, { token: alice })).status).toBe(404);
    const after = await account();
    expect(after.quota.usedBytes).toBe(before.quota.usedBytes - m!.size);
    expect(after.quota.messages).toBe(before.quota.messages - 1);
  });
});
