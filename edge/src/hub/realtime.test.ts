// The whole realtime path for real mail: SMTP into the seeded core → the core's signed notification
// → the worker → the user's Durable Object → every open WebSocket; and the inbox head it then serves.
import { describe, expect, it } from "vitest";
import type { Folder, MessagePage } from "../../../shared/api.ts";
import { api, login } from "../../test/api.ts";
import { loseNotifications, openSocket, pumpUntil, sendSmtp } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";

type Created = { message: { subject: string; id: string; folderId: string } };

describe("realtime mail", () => {
  it("one SMTP delivery reaches both WebSocket clients of the user", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const [a, b] = [await openSocket(token), await openSocket(token)];
    const subject = `realtime ${crypto.randomUUID()}`;
    const sent = await sendSmtp({ from: "carol@remote.test", to: seed.alice.address, subject, text: "Hello in real time." });
    expect(sent.response).toMatch(/^250 /);
    const got = (s: typeof a) => s.events().some((e) => e.type === "message.created" && (e.data as Created).message.subject === subject);
    await pumpUntil(() => got(a) && got(b));
    for (const s of [a, b]) {
      const event = s.events().find((e) => e.type === "message.created" && (e.data as Created).message.subject === subject)!;
      expect(event.data).toMatchObject({ message: { from: { address: "carol@remote.test" }, read: false, starred: false, snippet: "Hello in real time." } });
      await s.until((x) => x.events().some((e) => e.type === "folder.counts" && e.cursor > event.cursor));
    }
    a.ws.close(1000);
    b.ws.close(1000);
  });

  it("serves the folders and first inbox page from the hub, equal to the core's, and never stale after the user's change", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const subject = `head ${crypto.randomUUID()}`;
    const socket = await openSocket(token);
    await sendSmtp({ from: "carol@remote.test", to: seed.alice.address, subject, text: "For the head." });
    await pumpUntil(() => socket.events().some((e) => e.type === "message.created" && (e.data as Created).message.subject === subject));
    // The counts of this delivery come right after it.
    await socket.until((x) => x.events().some((e) => e.type === "folder.counts"));

    const read = async (path: string, fresh = false) => {
      const res = await api(path, { token, headers: fresh ? { "cache-control": "no-cache" } : {} });
      expect(res.status).toBe(200);
      return { by: res.headers.get("x-edgemail-served-by"), body: await res.json() };
    };
    const hubPage = await read("/api/v1/folders/inbox/messages?limit=10");
    const corePage = await read("/api/v1/folders/inbox/messages?limit=10", true);
    expect(hubPage.by).toBe("hub");
    expect(corePage.by).toBe("core");
    expect(hubPage.body).toEqual(corePage.body);
    expect((hubPage.body as MessagePage).messages[0]!.subject).toBe(subject);
    const hubFolders = await read("/api/v1/folders");
    expect(hubFolders.by).toBe("hub");
    expect(hubFolders.body).toEqual((await read("/api/v1/folders", true)).body);

    // The user's own change: the very next read shows it, whether or not the notification came yet.
    const id = (hubPage.body as MessagePage).messages[0]!.id;
    expect((await api(`/api/v1/messages/${id}`, { method: "PATCH", token, json: { read: true, starred: true } })).status).toBe(200);
    const after = (await read("/api/v1/folders/inbox/messages?limit=10")).body as MessagePage;
    expect(after.messages[0]).toMatchObject({ id, read: true, starred: true });
    const inbox = ((await read("/api/v1/folders")).body as { folders: Folder[] }).folders.find((f) => f.role === "inbox")!;
    const coreInbox = ((await read("/api/v1/folders", true)).body as { folders: Folder[] }).folders.find((f) => f.role === "inbox")!;
    expect(inbox.unread).toBe(coreInbox.unread);

    // Moved out of the inbox: gone from the head at once.
    expect((await api(`/api/v1/messages/${id}`, { method: "PATCH", token, json: { folderId: "archive" } })).status).toBe(200);
    const moved = (await read("/api/v1/folders/inbox/messages?limit=10")).body as MessagePage;
    expect(moved.messages.map((m) => m.id)).not.toContain(id);
    expect(moved).toEqual((await read("/api/v1/folders/inbox/messages?limit=10", true)).body);
    socket.ws.close(1000);
  });

  it("fetches from the core what a lost notification carried, in order, when the next one shows the gap", async () => {
    const token = await login(seed.alice.address, seed.alice.password);
    const socket = await openSocket(token);
    const subject = (what: string) => `${what} ${crypto.randomUUID()}`;
    const has = (s: string) => socket.events().some((e) => e.type === "message.created" && (e.data as Created).message.subject === s);
    // First make sure the hub knows alice's latest seq.
    const baseline = subject("baseline");
    await sendSmtp({ from: "carol@remote.test", to: seed.alice.address, subject: baseline, text: "." });
    await pumpUntil(() => has(baseline));

    const lost = subject("lost on the way");
    await sendSmtp({ from: "carol@remote.test", to: seed.alice.address, subject: lost, text: "." });
    const deadline = Date.now() + 10_000;
    let dropped = 0;
    while (dropped === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      dropped = await loseNotifications();
    }
    expect(dropped).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(has(lost)).toBe(false);

    const next = subject("after the loss");
    await sendSmtp({ from: "carol@remote.test", to: seed.alice.address, subject: next, text: "." });
    await pumpUntil(() => has(next));
    expect(has(lost)).toBe(true);
    const order = socket.events().filter((e) => e.type === "message.created").map((e) => (e.data as Created).message.subject);
    expect(order.indexOf(lost)).toBeLessThan(order.indexOf(next));
    socket.ws.close(1000);
  });
});
