// The hot inbox head's bookkeeping: which events it can apply exactly, and when it must give up.
import { describe, expect, it } from "vitest";
import type { Folder, MessageSummary } from "../../../shared/api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { decodeCursor } from "../../../shared/page-cursor.ts";
import { summary } from "../../test/events.ts";
import { HEAD_KEEP, HEAD_PAGE, InboxHead } from "./inbox-head.ts";

const userId = uuidv7();
const inbox: Folder = { id: uuidv7(), name: "Inbox", role: "inbox", unread: 0, total: 0 };
const archive: Folder = { id: uuidv7(), name: "Archive", role: "archive", unread: 0, total: 0 };

function messages(n: number, newest = Date.now()): MessageSummary[] {
  return Array.from({ length: n }, (_, i) => summary(inbox.id, `m${i}`, newest - i * 1000));
}

function head(rows: MessageSummary[], hasMore = false, seq = 10): InboxHead {
  return new InboxHead({ seq, folders: [{ ...inbox }, { ...archive }], inbox: rows, inboxHasMore: hasMore });
}

let seq = 10;
const next = <T extends CoreEvent["type"]>(type: T, data: Extract<CoreEvent, { type: T }>["data"]) => ({ userId, seq: ++seq, at: Date.now(), type, data }) as CoreEvent;

describe("InboxHead", () => {
  it("puts new inbox mail in order and trims to what it keeps", () => {
    seq = 10;
    const h = head(messages(HEAD_KEEP));
    const fresh = summary(inbox.id, "newest", Date.now() + 5000);
    expect(h.apply(next("message.created", { message: fresh }))).toBe(true);
    expect(h.inbox[0]!.id).toBe(fresh.id);
    expect(h.inbox).toHaveLength(HEAD_KEEP);
    expect(h.hasMore).toBe(true);
    // Older than everything held while more exists: belongs further down, not in the head.
    const old = summary(inbox.id, "ancient", Date.now() - 10_000_000);
    expect(h.apply(next("message.created", { message: old }))).toBe(true);
    expect(h.inbox.map((m) => m.id)).not.toContain(old.id);
    // Mail to another folder leaves the inbox alone.
    expect(h.apply(next("message.created", { message: summary(archive.id, "elsewhere") }))).toBe(true);
    expect(h.inbox[0]!.id).toBe(fresh.id);
  });

  it("follows flags and moves out, and gives up when it can no longer be exact", () => {
    seq = 10;
    const rows = messages(HEAD_PAGE);
    const h = head(rows, true);
    expect(h.apply(next("message.updated", { id: rows[0]!.id, folderId: inbox.id, read: true, starred: true, threadId: rows[0]!.id }))).toBe(true);
    expect(h.inbox[0]).toMatchObject({ read: true, starred: true });
    // Moving one out leaves fewer than a page while more exists further down: rebuild.
    expect(h.apply(next("message.updated", { id: rows[1]!.id, folderId: archive.id, previousFolderId: inbox.id, read: false, starred: false, threadId: rows[1]!.id }))).toBe(false);
  });

  it("keeps a row's keywords when an update carries them, and as they were when it does not", () => {
    seq = 10;
    const rows = messages(3);
    const h = head(rows);
    expect(h.apply(next("message.updated", { id: rows[0]!.id, folderId: inbox.id, read: false, starred: false, threadId: rows[0]!.id, keywords: ["invoices"] }))).toBe(true);
    expect(h.inbox[0]!.keywords).toEqual(["invoices"]);
    expect(h.apply(next("message.updated", { id: rows[0]!.id, folderId: inbox.id, read: true, starred: false, threadId: rows[0]!.id }))).toBe(true);
    expect(h.inbox[0]).toMatchObject({ read: true, keywords: ["invoices"] });
  });

  it("follows a thread merge on rows it holds, and keeps going when one past its rows changes", () => {
    seq = 10;
    const rows = messages(5);
    const h = head(rows, true);
    expect(h.apply(next("message.updated", { id: rows[2]!.id, folderId: inbox.id, read: false, starred: false, threadId: rows[4]!.id }))).toBe(true);
    expect(h.inbox[2]!.threadId).toBe(rows[4]!.id);
    // Not held, not moved: an inbox message further down, which the head does not show.
    expect(h.apply(next("message.updated", { id: uuidv7(0), folderId: inbox.id, read: false, starred: false, threadId: rows[4]!.id }))).toBe(true);
    expect(h.inbox).toHaveLength(5);
  });

  it("gives up on a move into the inbox (no summary), an unknown folder and a gap; skips what it already has", () => {
    seq = 10;
    const h = head(messages(3));
    expect(h.apply(next("message.updated", { id: uuidv7(), folderId: inbox.id, previousFolderId: archive.id, read: false, starred: false, threadId: uuidv7() }))).toBe(false);
    seq = 10;
    const h2 = head(messages(3));
    expect(h2.apply(next("folder.counts", { folders: [{ id: uuidv7(), unread: 1, total: 1 }] }))).toBe(false);
    const h3 = head(messages(3));
    expect(h3.apply({ userId, seq: 12, at: 0, type: "message.deleted", data: { id: uuidv7(), folderId: inbox.id } })).toBe(false);
    const h4 = head(messages(3));
    expect(h4.apply({ userId, seq: 9, at: 0, type: "folder.counts", data: { folders: [{ id: inbox.id, unread: 99, total: 99 }] } })).toBe(true);
    expect(h4.folders[0]!.unread).toBe(0);
  });

  it("serves pages with the core's cursor, or nothing when it holds too few rows", () => {
    const rows = messages(HEAD_KEEP);
    const h = head(rows, true);
    const page = h.page(10)!;
    expect(page.messages).toEqual(rows.slice(0, 10));
    expect(decodeCursor(page.nextCursor!)).toEqual({ receivedAt: Date.parse(rows[9]!.receivedAt), messageId: rows[9]!.id });
    expect(h.page(HEAD_KEEP + 1)).toBeNull();
    const small = head(messages(3));
    expect(small.page(50)).toEqual({ messages: small.inbox, nextCursor: null });
  });
});
