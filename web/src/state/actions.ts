// What the user does to messages from the list, the reader or the keyboard: read/unread, star,
// archive, delete, move, report spam. A row of a folder is a conversation, so moves and deletes apply to
// the conversation's messages in that folder and "mark read" to all of it, as in Gmail. The list changes
// at once; a failure puts it back (reload) and says what happened.
import type { MessagePatch, MessagesDeleted, MessageSummary, Thread } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import { api, describeError } from "../api/client.ts";
import { findFolder } from "./folders.ts";
import { reload, rows, selected, updateRows, type Row } from "./list.ts";
import { toast, toastError } from "./toasts.ts";

/** The messages a row stands for: itself, or its conversation's messages (in its folder when `sameFolder`). */
async function members(row: Row, sameFolder: boolean): Promise<MessageSummary[]> {
  if (!row.threadSize || row.threadSize <= 1) return [row];
  const thread = await api<Thread>(`/threads/${row.threadId}`);
  const list = sameFolder ? thread.messages.filter((m) => m.folderId === row.folderId) : thread.messages;
  return list.length ? list : [row];
}

/** One patch to many messages: `PATCH /messages` with up to 1,000 ids a call, one transaction each in
 * the core, rather than a request per message. */
async function patchMessages(list: readonly MessageSummary[], patch: MessagePatch): Promise<void> {
  const ids = [...new Set(list.map((m) => m.id))];
  for (let i = 0; i < ids.length; i += limits.maxBulkMessages) {
    await api("/messages", { method: "PATCH", body: { ids: ids.slice(i, i + limits.maxBulkMessages), patch } });
  }
}

/** The patch to every message the rows stand for; `unless` skips messages already so. */
async function patchAll(targets: Row[], sameFolder: boolean, patch: MessagePatch, unless?: (m: MessageSummary) => boolean): Promise<void> {
  const all = (await Promise.all(targets.map((r) => members(r, sameFolder)))).flat();
  await patchMessages(all.filter((m) => !unless?.(m)), patch);
}

async function guarded(what: string, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (e) {
    toastError(`${what} failed: ${describeError(e)}`);
    void reload();
    return false;
  }
}

export function targetsFor(ids?: Iterable<string>): Row[] {
  const wanted = new Set(ids ?? selected.value);
  return rows.value.filter((r) => wanted.has(r.id));
}

export async function setRead(targets: Row[], read: boolean): Promise<void> {
  const ids = new Set(targets.map((t) => t.id));
  updateRows((r) => (ids.has(r.id) ? { ...r, read } : r));
  await guarded(read ? "Marking as read" : "Marking as unread", () =>
    patchAll(targets, false, { read }, (m) => m.read === read),
  );
}

export async function setStarred(targets: Row[], starred: boolean): Promise<void> {
  const ids = new Set(targets.map((t) => t.id));
  updateRows((r) => (ids.has(r.id) ? { ...r, starred } : r));
  // The row's own message, as Gmail stars the message and not the whole conversation.
  await guarded(starred ? "Starring" : "Removing the star", () => patchMessages(targets, { starred }));
}

function dropRows(targets: Row[]): void {
  const ids = new Set(targets.map((t) => t.id));
  updateRows((r) => (ids.has(r.id) ? null : r));
}

const count = (n: number, one: string) => (n === 1 ? `1 ${one}` : `${n} ${one}s`);

export async function moveTo(targets: Row[], folderRef: string): Promise<void> {
  const folder = findFolder(folderRef);
  if (!targets.length || !folder) return;
  dropRows(targets);
  const ok = await guarded("Moving", () => patchAll(targets, true, { folderId: folder.id }));
  if (ok) {
    const origin = targets[0]!.folderId;
    toast(`${count(targets.length, "conversation")} moved to ${folder.role === "junk" ? "Spam" : folder.name}.`, {
      action: { label: "Undo", run: () => void undoMove(targets, origin) },
    });
  }
}

async function undoMove(targets: Row[], origin: string): Promise<void> {
  await guarded("Undo", () => patchAll(targets, false, { folderId: origin }));
  void reload();
}

export const archive = (targets: Row[]) => moveTo(targets, "archive");

export async function remove(targets: Row[]): Promise<void> {
  if (!targets.length) return;
  dropRows(targets);
  let permanently = false;
  const ok = await guarded("Deleting", async () => {
    const all = (await Promise.all(targets.map((r) => members(r, true)))).flat();
    const ids = [...new Set(all.map((m) => m.id))];
    // `POST /messages/delete`: up to 1,000 a call, rather than a request per message.
    for (let i = 0; i < ids.length; i += limits.maxBulkMessages) {
      const r = await api<MessagesDeleted>("/messages/delete", { method: "POST", body: { ids: ids.slice(i, i + limits.maxBulkMessages) } });
      permanently ||= r.deleted.length > 0;
    }
  });
  if (ok) toast(permanently ? `${count(targets.length, "conversation")} deleted for good.` : `${count(targets.length, "conversation")} moved to Trash.`);
}

export async function reportSpam(targets: Row[], spam: boolean): Promise<void> {
  if (!targets.length) return;
  dropRows(targets);
  // A move into Junk (out of it, to the inbox) teaches the spam filter as report-spam (not-spam) does,
  // and one bulk patch carries a whole selection.
  const ok = await guarded(spam ? "Reporting spam" : "Marking as not spam", () => patchAll(targets, true, { folderId: spam ? "junk" : "inbox" }));
  if (ok) toast(spam ? `${count(targets.length, "conversation")} reported as spam. The filter learns from it.` : "Moved to the inbox. The filter learns from it.");
}
