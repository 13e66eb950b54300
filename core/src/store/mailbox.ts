// One user's mailbox inside its shard: folders with their counters, message listing by the
// clustering index, reads, flag and folder changes, deletion. Every query is bounded by user_id.
import { and, asc, eq, sql } from "drizzle-orm";
import {
  folderRoles,
  type Account,
  type AttachmentLocation,
  type DeleteResult,
  type Folder,
  type FolderRole,
  type MailAddress,
  type Message,
  type MessagePage,
  type MessagePatch,
  type MessageSummary,
} from "../../../shared/api.ts";
import { isUuidv7, uuidv7 } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { fromBase64Url, toBase64Url, utf8 } from "../../../shared/encoding.ts";
import { attachments, folders, mailboxes, messageBodies, messages } from "./shard-schema.ts";
import type { ShardDatabase } from "./shards.ts";

export const STANDARD_FOLDERS: ReadonlyArray<{ role: FolderRole; name: string }> = [
  { role: "inbox", name: "Inbox" },
  { role: "sent", name: "Sent" },
  { role: "drafts", name: "Drafts" },
  { role: "trash", name: "Trash" },
  { role: "junk", name: "Junk" },
  { role: "archive", name: "Archive" },
];

type FolderRow = typeof folders.$inferSelect;
/** The shard's database or an open transaction on it: helpers used inside a transaction must use it,
 * since another pooled connection would wait on the transaction's own write lock. */
type Queryable = ShardDatabase["db"] | Parameters<Parameters<ShardDatabase["db"]["transaction"]>[0]>[0];
type MessageRow = typeof messages.$inferSelect;

/** Creates the mailbox row and the standard folders; running it again changes nothing. */
export async function createMailbox(
  shard: ShardDatabase,
  user: { userId: string; address: string; quotaBytes: number },
): Promise<void> {
  const now = Date.now();
  await shard.writeLock.run(() => shard.db.batch([
    shard.db
      .insert(mailboxes)
      .values({ userId: user.userId, address: user.address, quotaBytes: user.quotaBytes, createdAt: now })
      .onConflictDoNothing(),
    shard.db
      .insert(folders)
      .values(STANDARD_FOLDERS.map((f) => ({ userId: user.userId, folderId: uuidv7(now), name: f.name, role: f.role, createdAt: now })))
      .onConflictDoNothing(),
  ]));
}

/** Removes every row of a mailbox. Blobs stay: they are shared by content address. */
export async function deleteMailbox(shard: ShardDatabase, userId: string): Promise<void> {
  await shard.writeLock.run(() => shard.db.batch([
    shard.db.delete(attachments).where(eq(attachments.userId, userId)),
    shard.db.delete(messageBodies).where(eq(messageBodies.userId, userId)),
    shard.db.delete(messages).where(eq(messages.userId, userId)),
    shard.db.delete(folders).where(eq(folders.userId, userId)),
    shard.db.delete(mailboxes).where(eq(mailboxes.userId, userId)),
  ]));
}

export interface Usage {
  usedBytes: number;
  quotaBytes: number;
  messageCount: number;
}

export async function getUsage(shard: ShardDatabase, userId: string): Promise<Usage | null> {
  const [row] = await shard.db
    .select({ usedBytes: mailboxes.usedBytes, quotaBytes: mailboxes.quotaBytes, messageCount: mailboxes.messageCount })
    .from(mailboxes)
    .where(eq(mailboxes.userId, userId));
  return row ?? null;
}

export async function setQuota(shard: ShardDatabase, userId: string, quotaBytes: number): Promise<void> {
  await shard.writeLock.run(() => shard.db.update(mailboxes).set({ quotaBytes }).where(eq(mailboxes.userId, userId)));
}

export async function getAccount(
  shard: ShardDatabase,
  user: { id: string; address: string; region: string },
): Promise<Account> {
  const usage = await getUsage(shard, user.id);
  if (!usage) throw new ProblemError("notFound", "This account has no mailbox.");
  return {
    id: user.id,
    address: user.address,
    region: user.region,
    quota: { usedBytes: usage.usedBytes, limitBytes: usage.quotaBytes, messages: usage.messageCount },
  };
}

function toFolder(row: FolderRow): Folder {
  return { id: row.folderId, name: row.name, role: (row.role as FolderRole | null) ?? null, unread: row.unread, total: row.total };
}

export async function listFolders(shard: ShardDatabase, userId: string): Promise<Folder[]> {
  const rows = await shard.db.select().from(folders).where(eq(folders.userId, userId)).orderBy(asc(folders.createdAt));
  const rank = (r: FolderRow) => (r.role ? folderRoles.indexOf(r.role as FolderRole) : folderRoles.length);
  return rows.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).map(toFolder);
}

/** A folder by id or by role name (`inbox`), or null. */
export async function findFolder(q: Queryable, userId: string, ref: string): Promise<FolderRow | null> {
  const byRole = (folderRoles as readonly string[]).includes(ref);
  if (!byRole && !isUuidv7(ref)) return null;
  const [row] = await q
    .select()
    .from(folders)
    .where(and(eq(folders.userId, userId), byRole ? eq(folders.role, ref) : eq(folders.folderId, ref)));
  return row ?? null;
}

// ── listing ──────────────────────────────────────────────────────────────

/** The cursor is the (received_at, message_id) of the last row sent: a keyset, so pages neither
 * repeat nor skip rows while new mail arrives at the head. Opaque to clients. */
export function encodeCursor(receivedAt: number, messageId: string): string {
  return toBase64Url(utf8(`${receivedAt}.${messageId}`));
}

export function decodeCursor(cursor: string): { receivedAt: number; messageId: string } {
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(cursor));
  } catch {
    // fall through to the error below
  }
  const dot = text.indexOf(".");
  const receivedAt = Number(text.slice(0, dot));
  const messageId = text.slice(dot + 1);
  if (dot <= 0 || !Number.isSafeInteger(receivedAt) || !isUuidv7(messageId)) {
    throw new ProblemError("validation", "cursor is not one this API returned; start again without it.", {
      errors: [{ field: "cursor", message: "not a cursor returned by this API" }],
    });
  }
  return { receivedAt, messageId };
}

function parseAddresses(json: string): MailAddress[] {
  return JSON.parse(json) as MailAddress[];
}

function toSummary(row: MessageRow): MessageSummary {
  return {
    id: row.messageId,
    folderId: row.folderId,
    receivedAt: new Date(row.receivedAt).toISOString(),
    from: row.fromAddress !== null || row.fromName !== null ? { name: row.fromName ?? "", address: row.fromAddress ?? "" } : null,
    to: parseAddresses(row.toJson),
    subject: row.subject,
    snippet: row.snippet,
    size: row.size,
    read: row.seen,
    starred: row.flagged,
    hasAttachments: row.hasAttachments,
  };
}

export async function listMessages(
  shard: ShardDatabase,
  userId: string,
  folderRef: string,
  page: { limit: number; cursor?: string },
): Promise<MessagePage> {
  const folder = await findFolder(shard.db, userId, folderRef);
  if (!folder) throw new ProblemError("notFound", `No folder ${folderRef}.`);
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const rows = await shard.db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.userId, userId),
        eq(messages.folderId, folder.folderId),
        after ? sql`(${messages.receivedAt}, ${messages.messageId}) < (${after.receivedAt}, ${after.messageId})` : undefined,
      ),
    )
    .orderBy(sql`${messages.receivedAt} DESC`, sql`${messages.messageId} DESC`)
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return { messages: shown.map(toSummary), nextCursor: more && last ? encodeCursor(last.receivedAt, last.messageId) : null };
}

// ── single messages ──────────────────────────────────────────────────────

async function findMessage(shard: ShardDatabase, userId: string, messageId: string): Promise<MessageRow | null> {
  if (!isUuidv7(messageId)) return null;
  const [row] = await shard.db
    .select()
    .from(messages)
    .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
  return row ?? null;
}

function notFoundMessage(messageId: string): ProblemError {
  return new ProblemError("notFound", `No message ${messageId}.`);
}

export async function getMessage(shard: ShardDatabase, userId: string, messageId: string): Promise<Message> {
  const row = await findMessage(shard, userId, messageId);
  if (!row) throw notFoundMessage(messageId);
  const [body] = await shard.db
    .select()
    .from(messageBodies)
    .where(and(eq(messageBodies.userId, userId), eq(messageBodies.messageId, messageId)));
  const parts = await shard.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.userId, userId), eq(attachments.messageId, messageId)))
    .orderBy(sql`CAST(${attachments.attachmentId} AS INTEGER)`);
  return {
    ...toSummary(row),
    cc: parseAddresses(row.ccJson),
    replyTo: parseAddresses(row.replyToJson),
    date: row.sentAt === null ? null : new Date(row.sentAt).toISOString(),
    messageId: row.messageIdHeader,
    inReplyTo: row.inReplyTo,
    text: body?.text ?? null,
    html: body?.html ?? null,
    attachments: parts.map((a) => ({
      id: a.attachmentId,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      disposition: a.disposition === "inline" ? "inline" : "attachment",
      contentId: a.contentId,
    })),
  };
}

export async function getAttachment(
  shard: ShardDatabase,
  userId: string,
  messageId: string,
  attachmentId: string,
): Promise<AttachmentLocation> {
  if (!(await findMessage(shard, userId, messageId))) throw notFoundMessage(messageId);
  const [a] = await shard.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.userId, userId), eq(attachments.messageId, messageId), eq(attachments.attachmentId, attachmentId)));
  if (!a) throw new ProblemError("notFound", `Message ${messageId} has no attachment ${attachmentId}.`);
  return {
    id: a.attachmentId,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    disposition: a.disposition === "inline" ? "inline" : "attachment",
    contentId: a.contentId,
    blobKey: a.blobKey,
  };
}

/** Adds `delta` to a folder's counters; every change of folder, read state or existence goes through it. */
function bumpFolder(q: Queryable, userId: string, folderId: string, total: number, unread: number) {
  return q
    .update(folders)
    .set({ total: sql`${folders.total} + ${total}`, unread: sql`${folders.unread} + ${unread}` })
    .where(and(eq(folders.userId, userId), eq(folders.folderId, folderId)));
}

export async function updateMessage(
  shard: ShardDatabase,
  userId: string,
  messageId: string,
  patch: MessagePatch,
): Promise<MessageSummary> {
  return shard.writeLock.run(() => shard.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
    if (!row || !isUuidv7(messageId)) throw notFoundMessage(messageId);
    let folderId = row.folderId;
    if (patch.folderId !== undefined) {
      const target = await findFolder(tx, userId, patch.folderId);
      if (!target) {
        throw new ProblemError("validation", `No folder ${patch.folderId} to move the message to.`, {
          errors: [{ field: "folderId", message: "no such folder" }],
        });
      }
      folderId = target.folderId;
    }
    const seen = patch.read ?? row.seen;
    const flagged = patch.starred ?? row.flagged;
    await tx
      .update(messages)
      .set({ folderId, seen, flagged })
      .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
    const wasUnread = row.seen ? 0 : 1;
    const isUnread = seen ? 0 : 1;
    if (folderId !== row.folderId) {
      await bumpFolder(tx, userId, row.folderId, -1, -wasUnread).run();
      await bumpFolder(tx, userId, folderId, 1, isUnread).run();
    } else if (wasUnread !== isUnread) {
      await bumpFolder(tx, userId, folderId, 0, isUnread - wasUnread).run();
    }
    return toSummary({ ...row, folderId, seen, flagged });
  }));
}

/** Outside trash: moves to trash. In trash: deletes for good and gives the quota back. */
export async function deleteMessage(shard: ShardDatabase, userId: string, messageId: string): Promise<DeleteResult> {
  const trash = await findFolder(shard.db, userId, "trash");
  if (!trash) throw new ProblemError("internal", "This mailbox has no trash folder.");
  const row = await findMessage(shard, userId, messageId);
  if (!row) throw notFoundMessage(messageId);
  if (row.folderId === trash.folderId) {
    if (!(await deleteMessagePermanently(shard, userId, messageId))) throw notFoundMessage(messageId);
    return { id: messageId, deleted: "permanently" };
  }
  await updateMessage(shard, userId, messageId, { folderId: trash.folderId });
  return { id: messageId, deleted: "moved-to-trash" };
}

/** The headers a reply to `messageId` needs (In-Reply-To, References), or null if there is no such message. */
export async function replyTarget(shard: ShardDatabase, userId: string, messageId: string): Promise<{ messageIdHeader: string; references: string[] } | null> {
  const row = await findMessage(shard, userId, messageId);
  if (!row?.messageIdHeader) return null;
  return { messageIdHeader: row.messageIdHeader, references: row.inReplyTo ? [row.inReplyTo] : [] };
}

/** Removes a draft for good once it has been sent (a no-op if it is gone or is no longer a draft). */
export async function discardDraft(shard: ShardDatabase, userId: string, draftId: string): Promise<void> {
  const drafts = await findFolder(shard.db, userId, "drafts");
  const row = await findMessage(shard, userId, draftId);
  if (!drafts || !row || row.folderId !== drafts.folderId) return;
  await deleteMessagePermanently(shard, userId, draftId);
}

/** The one path that removes a message for good: its rows, its folder's counts, its quota use.
 * Reads the row inside the transaction, so a concurrent change cannot skew the counters. */
async function deleteMessagePermanently(shard: ShardDatabase, userId: string, messageId: string): Promise<boolean> {
  return shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      const key = and(eq(messages.userId, userId), eq(messages.messageId, messageId));
      const [row] = await tx.delete(messages).where(key).returning();
      if (!row) return false;
      await tx.delete(messageBodies).where(and(eq(messageBodies.userId, userId), eq(messageBodies.messageId, messageId)));
      await tx.delete(attachments).where(and(eq(attachments.userId, userId), eq(attachments.messageId, messageId)));
      await bumpFolder(tx, userId, row.folderId, -1, row.seen ? 0 : -1).run();
      await tx
        .update(mailboxes)
        .set({ usedBytes: sql`max(0, ${mailboxes.usedBytes} - ${row.size})`, messageCount: sql`max(0, ${mailboxes.messageCount} - 1)` })
        .where(eq(mailboxes.userId, userId));
      return true;
    }),
  );
}
