// The hot inbox head a user's Durable Object keeps: the folders with their counters and the first
// page of the inbox, built from one consistent snapshot of the core (`CoreHead`) and then kept
// current by applying the core's events in seq order. When an event cannot be applied exactly (a
// message moved into the inbox, whose summary the event does not carry; the page running short),
// `apply` says so and the owner drops the head, so it is rebuilt rather than served wrong.
import type { Folder, MessagePage, MessageSummary } from "../../../shared/api.ts";
import type { CoreEvent } from "../../../shared/events.ts";
import type { CoreHead } from "../../../shared/internal-api.ts";
import { limits } from "../../../shared/limits.ts";
import { encodeCursor } from "../../../shared/page-cursor.ts";

/** The page size served from the head (the API's default page). */
export const HEAD_PAGE = limits.defaultPageSize;
/** Rows kept beyond a page, so a few messages leaving the inbox do not force a rebuild. */
export const HEAD_KEEP = HEAD_PAGE + 25;

function newerFirst(a: MessageSummary, b: MessageSummary): number {
  const ta = Date.parse(a.receivedAt);
  const tb = Date.parse(b.receivedAt);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class InboxHead {
  seq: number;
  readonly folders: Folder[];
  readonly inbox: MessageSummary[];
  hasMore: boolean;
  readonly inboxId: string | null;

  constructor(head: CoreHead) {
    this.seq = head.seq;
    this.folders = head.folders.map((f) => ({ ...f }));
    this.inbox = head.inbox.slice(0, HEAD_KEEP);
    this.hasMore = head.inboxHasMore || head.inbox.length > HEAD_KEEP;
    this.inboxId = this.folders.find((f) => f.role === "inbox")?.id ?? null;
  }

  /** Applies the next event (seq = this.seq + 1; older ones are already in). False: the head can no
   * longer be kept exact. */
  apply(event: CoreEvent): boolean {
    // Already in the snapshot the head was built from (the notification came after the snapshot).
    if (event.seq <= this.seq) return true;
    if (event.seq !== this.seq + 1 || this.inboxId === null) return false;
    this.seq = event.seq;
    switch (event.type) {
      case "message.created": {
        const m = event.data.message;
        if (m.folderId !== this.inboxId || this.inbox.some((x) => x.id === m.id)) return true;
        const last = this.inbox.at(-1);
        // Older than everything held while more exists further down: it belongs past the head.
        if (this.hasMore && last && newerFirst(m, last) > 0) return true;
        this.inbox.push(m);
        this.inbox.sort(newerFirst);
        if (this.inbox.length > HEAD_KEEP) {
          this.inbox.pop();
          this.hasMore = true;
        }
        return true;
      }
      case "message.updated": {
        const d = event.data;
        const i = this.inbox.findIndex((x) => x.id === d.id);
        // Not held: elsewhere, or in the inbox past the rows held (a flag or thread change there
        // leaves the head as it is); only a move into the inbox brings a row the head cannot build.
        if (i < 0) return d.folderId !== this.inboxId || d.previousFolderId === undefined;
        if (d.folderId !== this.inboxId) return this.remove(i);
        this.inbox[i] = { ...this.inbox[i]!, read: d.read, starred: d.starred, threadId: d.threadId, ...(d.keywords ? { keywords: d.keywords } : {}) };
        return true;
      }
      case "message.deleted": {
        const i = this.inbox.findIndex((x) => x.id === event.data.id);
        return i < 0 ? true : this.remove(i);
      }
      case "folder.counts": {
        for (const counts of event.data.folders) {
          const folder = this.folders.find((f) => f.id === counts.id);
          if (!folder) return false;
          folder.unread = counts.unread;
          folder.total = counts.total;
        }
        return true;
      }
      case "security.forwarding":
      case "security.auth-failures":
        // Not about messages: the head only moves past its seq.
        return true;
    }
  }

  /** The inbox's first page of `limit` rows, or null when the head does not hold that many. */
  page(limit: number): MessagePage | null {
    if (limit > this.inbox.length && this.hasMore) return null;
    const shown = this.inbox.slice(0, limit);
    const more = this.inbox.length > limit || this.hasMore;
    const last = shown.at(-1);
    return { messages: shown, nextCursor: more && last ? encodeCursor(Date.parse(last.receivedAt), last.id) : null };
  }

  private remove(i: number): boolean {
    this.inbox.splice(i, 1);
    return !(this.hasMore && this.inbox.length < HEAD_PAGE);
  }
}
