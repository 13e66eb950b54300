// One user's mailbox inside its shard: folders with their counters, message listing by the
// clustering index, reads, flag and folder changes, deletion. Every query is bounded by user_id.
// Every change records its events in its own transaction (store/events.ts) and returns them.
import { and, asc, eq, inArray, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { AttachmentLocation } from "../../../shared/internal-api.ts";
import type { MessagesDeleted } from "../../../shared/api.ts";
import {
  folderRoles,
  type Account,
  type Attachment,
  type DeleteResult,
  type Folder,
  type FolderRole,
  type KeywordList,
  type KeywordsPatch,
  type Message,
  type MessagePage,
  type MessagePatch,
  type MessageSummary,
} from "../../../shared/api.ts";
import type { FolderCounts } from "../../../shared/events.ts";
import { isUuidv7, uuidv7 } from "../../../shared/ids.ts";
import { limits } from "../../../shared/limits.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { decodeCursor, encodeCursor } from "../../../shared/page-cursor.ts";
import { currentSeq, recordEvents, type Change, type EventDraft, type Recorded } from "./events.ts";
import { parseAddresses, toSummary, type MessageRow } from "./message-summary.ts";
import { attachments, contacts, events, folders, mailboxes, messageBodies, messages, threadKeys } from "./shard-schema.ts";
import type { Queryable, ShardDatabase } from "./shards.ts";
import { senderVerified, type AuthVerdict } from "./auth-verdict.ts";
import { noteGarbage, noteMailboxGarbage } from "./blob-gc/notes.ts";
import { removeDocuments, removeUserDocuments } from "./search-index/index-writes.ts";

export const STANDARD_FOLDERS: ReadonlyArray<{ role: FolderRole; name: string }> = [
  { role: "inbox", name: "Inbox" },
  { role: "sent", name: "Sent" },
  { role: "drafts", name: "Drafts" },
  { role: "trash", name: "Trash" },
  { role: "junk", name: "Junk" },
  { role: "archive", name: "Archive" },
];

type FolderRow = typeof folders.$inferSelect;

/** Creates the mailbox row and the standard folders; running it again changes nothing. */
export async function createMailbox(
  shard: ShardDatabase,
  user: { userId: string; address: string; quotaBytes: number },
): Promise<void> {
  const now = Date.now();
  await shard.writeLock.run(() => shard.db.batch([
    shard.db
      .insert(mailboxes)
      // The next number in the shard (search-index/doc-ids.ts), in the statement that inserts the row.
      .values({ userId: user.userId, address: user.address, quotaBytes: user.quotaBytes, createdAt: now, userNo: sql`(SELECT coalesce(max(user_no), 0) + 1 FROM mailboxes)` })
      .onConflictDoNothing(),
    shard.db
      .insert(folders)
      .values(STANDARD_FOLDERS.map((f) => ({ userId: user.userId, folderId: uuidv7(now), name: f.name, role: f.role, createdAt: now })))
      .onConflictDoNothing(),
  ]));
}

/** Removes every row of a mailbox, and its part of the search index. Its blobs are noted for the
 * blob sweep, which removes those nobody else reads (they are shared: packs, content addresses). */
export async function deleteMailbox(shard: ShardDatabase, userId: string): Promise<void> {
  await shard.writeLock.run(() => shard.db.transaction(async (tx) => {
    await noteMailboxGarbage(tx, userId);
    await removeUserDocuments(tx, userId);
    await tx.delete(events).where(eq(events.userId, userId));
    await tx.delete(attachments).where(eq(attachments.userId, userId));
    await tx.delete(messageBodies).where(eq(messageBodies.userId, userId));
    await tx.delete(messages).where(eq(messages.userId, userId));
    await tx.delete(threadKeys).where(eq(threadKeys.userId, userId));
    await tx.delete(contacts).where(eq(contacts.userId, userId));
    await tx.delete(folders).where(eq(folders.userId, userId));
    await tx.delete(mailboxes).where(eq(mailboxes.userId, userId));
  }));
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

/** Standard folders in role order, then the user's own by name. */
export function inFolderOrder(rows: FolderRow[]): Folder[] {
  const rank = (r: FolderRow) => (r.role ? folderRoles.indexOf(r.role as FolderRole) : folderRoles.length);
  return rows.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).map(toFolder);
}

export async function listFolders(shard: ShardDatabase, userId: string): Promise<Folder[]> {
  return inFolderOrder(await shard.db.select().from(folders).where(eq(folders.userId, userId)).orderBy(asc(folders.createdAt)));
}

/** Every keyword on the user's messages with its counts, most used first. It reads the user's rows
 * (their keywords column; only labelled rows are parsed): for a sidebar loaded once, not per message. */
export async function listKeywords(shard: ShardDatabase, userId: string): Promise<KeywordList> {
  const rows = await shard.db.all<{ keyword: string; total: number; unread: number }>(sql`
    SELECT min(k.value) AS keyword, count(*) AS total, sum(m.seen = 0) AS unread
    FROM messages m, json_each(m.keywords_json) k
    WHERE m.user_id = ${userId} AND m.keywords_json != '[]'
    GROUP BY lower(k.value)
    ORDER BY total DESC, lower(k.value)`);
  return { keywords: rows.map((r) => ({ keyword: r.keyword, total: Number(r.total), unread: Number(r.unread) })) };
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

/** The query of a folder page (`limit` + 1 rows, to tell whether there are more), newest first.
 * With `collapseThreads`, one row per thread: the thread's newest message in this folder, with the
 * thread's size. That is the same range of the clustering index, skipping each row that has a newer
 * message of its thread in the folder (one probe of messages_by_thread per row), so the keyset
 * cursor works unchanged: whether a row is its thread's newest does not depend on where the page
 * starts. Nothing needs keeping in step on filing, moving or deleting. */
export function folderPageQuery(
  q: Queryable,
  userId: string,
  folderId: string,
  page: { limit: number; after: { receivedAt: number; messageId: string } | null; collapseThreads?: boolean },
) {
  const { after } = page;
  const newer = alias(messages, "newer");
  return q
    .select({
      row: messages,
      threadSize: page.collapseThreads
        ? sql<number>`(SELECT count(*) FROM messages AS in_thread WHERE in_thread.user_id = messages.user_id AND in_thread.thread_id = messages.thread_id)`
        : sql<null>`NULL`,
    })
    .from(messages)
    .where(
      and(
        eq(messages.userId, userId),
        eq(messages.folderId, folderId),
        after ? sql`(${messages.receivedAt}, ${messages.messageId}) < (${after.receivedAt}, ${after.messageId})` : undefined,
        page.collapseThreads
          ? notExists(
              q
                .select({ one: sql`1` })
                .from(newer)
                .where(
                  and(
                    eq(newer.userId, messages.userId),
                    eq(newer.threadId, messages.threadId),
                    eq(newer.folderId, messages.folderId),
                    sql`(${newer.receivedAt}, ${newer.messageId}) > (${messages.receivedAt}, ${messages.messageId})`,
                  ),
                ),
            )
          : undefined,
      ),
    )
    .orderBy(sql`${messages.receivedAt} DESC`, sql`${messages.messageId} DESC`)
    .limit(page.limit + 1);
}

export async function listMessages(
  shard: ShardDatabase,
  userId: string,
  folderRef: string,
  page: { limit: number; cursor?: string; collapseThreads?: boolean },
): Promise<MessagePage> {
  const folder = await findFolder(shard.db, userId, folderRef);
  if (!folder) throw new ProblemError("notFound", `No folder ${folderRef}.`);
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const rows = await folderPageQuery(shard.db, userId, folder.folderId, { limit: page.limit, after, collapseThreads: page.collapseThreads });
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1)?.row;
  return {
    messages: shown.map(({ row, threadSize }) => (threadSize === null ? toSummary(row) : { ...toSummary(row), threadSize })),
    nextCursor: more && last ? encodeCursor(last.receivedAt, last.messageId) : null,
  };
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

/** The folder a message of the user's is in, or null when there is no such message. */
export async function getMessageFolder(shard: ShardDatabase, userId: string, messageId: string): Promise<string | null> {
  if (!isUuidv7(messageId)) return null;
  const [row] = await shard.db.select({ folderId: messages.folderId }).from(messages).where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
  return row?.folderId ?? null;
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
    attachments: parts.map(toAttachment),
    authentication: authenticationOf(row.authJson),
    spam: row.spamScore === null ? null : { score: row.spamScore, tests: row.spamTests ? row.spamTests.split(",") : [] },
    virusScan: row.virusScan === "clean" || row.virusScan === "unscanned" ? row.virusScan : null,
  };
}

type AttachmentRisk = NonNullable<Attachment["risk"]>;

function toAttachment(a: typeof attachments.$inferSelect): Attachment {
  return {
    id: a.attachmentId,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    disposition: a.disposition === "inline" ? "inline" : "attachment",
    contentId: a.contentId,
    risk: a.risk ? { reason: a.risk as AttachmentRisk["reason"], detail: a.riskDetail ?? "" } : null,
  };
}

function authenticationOf(json: string | null): Message["authentication"] {
  if (json === null) return null;
  const v = JSON.parse(json) as AuthVerdict;
  return { senderVerified: senderVerified(v), fromDomain: v.fromDomain, spf: v.spf, dkim: v.dkim, dmarc: v.dmarc, arc: v.arc };
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
  return { ...toAttachment(a), blobKey: a.blobKey };
}

/** Adds to a folder's counters and returns the new ones; every change of folder, read state or
 * existence goes through it. */
async function bumpFolder(q: Queryable, userId: string, folderId: string, total: number, unread: number): Promise<FolderCounts> {
  const [counts] = await q
    .update(folders)
    .set({ total: sql`${folders.total} + ${total}`, unread: sql`${folders.unread} + ${unread}` })
    .where(and(eq(folders.userId, userId), eq(folders.folderId, folderId)))
    .returning({ id: folders.folderId, unread: folders.unread, total: folders.total });
  return counts!;
}

/** A message's keywords after a patch: removals, then additions, compared case-insensitively as IMAP
 * does (the spelling already stored stays). Refuses more than a message may carry. */
function patchedKeywords(current: string[], patch: KeywordsPatch, field = "keywords.add"): string[] {
  const removed = new Set((patch.remove ?? []).map((k) => k.toLowerCase()));
  const out = current.filter((k) => !removed.has(k.toLowerCase()));
  for (const k of patch.add ?? []) if (!out.some((o) => o.toLowerCase() === k.toLowerCase())) out.push(k);
  if (out.length > limits.maxKeywordsPerMessage && out.length > current.length) {
    throw new ProblemError("validation", `A message carries at most ${limits.maxKeywordsPerMessage} keywords.`, {
      errors: [{ field, message: `the message would have ${out.length} keywords; at most ${limits.maxKeywordsPerMessage}` }],
    });
  }
  return out;
}

/** Events: message.updated when anything changed (with the keywords when they did), and folder.counts
 * when a counter did (starring changes no counter). A patch that changes nothing records nothing. */
export async function updateMessage(
  shard: ShardDatabase,
  userId: string,
  messageId: string,
  patch: MessagePatch,
): Promise<Change<MessageSummary>> {
  const change = await updateMessages(shard, userId, [messageId], patch);
  if (change.value.updated.length === 0) throw notFoundMessage(messageId);
  return { ...change, value: change.value.updated[0]! };
}

/** The same patch to many messages in one transaction: each changed message's message.updated, and
 * one folder.counts with every counter that moved (a counter is bumped once, by the sum). Ids that
 * name none of the user's messages come back in `notFound`; the others change all or none.
 * `fieldPrefix` is where the patch sits in the request the problem names (`patch.` in a bulk one). */
export async function updateMessages(
  shard: ShardDatabase,
  userId: string,
  messageIds: readonly string[],
  patch: MessagePatch,
  fieldPrefix = "",
): Promise<Change<{ updated: MessageSummary[]; notFound: string[] }>> {
  return shard.writeLock.run(() => shard.db.transaction(async (tx) => {
    const ids = messageIds.filter(isUuidv7);
    const rows = ids.length === 0 ? [] : await tx.select().from(messages).where(and(eq(messages.userId, userId), inArray(messages.messageId, ids)));
    const byId = new Map(rows.map((r) => [r.messageId, r]));
    let target: string | null = null;
    if (patch.folderId !== undefined && rows.length > 0) {
      const folder = await findFolder(tx, userId, patch.folderId);
      if (!folder) {
        throw new ProblemError("validation", `No folder ${patch.folderId} to move the message to.`, {
          errors: [{ field: `${fieldPrefix}folderId`, message: "no such folder" }],
        });
      }
      target = folder.folderId;
    }
    const updated: MessageSummary[] = [];
    const drafts: EventDraft[] = [];
    const deltas = new Map<string, { total: number; unread: number }>();
    const bump = (folderId: string, total: number, unread: number) => {
      const d = deltas.get(folderId) ?? { total: 0, unread: 0 };
      deltas.set(folderId, { total: d.total + total, unread: d.unread + unread });
    };
    for (const id of messageIds) {
      const row = byId.get(id);
      if (!row) continue;
      const folderId = target ?? row.folderId;
      const seen = patch.read ?? row.seen;
      const flagged = patch.starred ?? row.flagged;
      const moved = folderId !== row.folderId;
      const keywords = patch.keywords ? patchedKeywords(JSON.parse(row.keywordsJson) as string[], patch.keywords, `${fieldPrefix}keywords.add`) : null;
      const keywordsJson = keywords ? JSON.stringify(keywords) : row.keywordsJson;
      const relabelled = keywordsJson !== row.keywordsJson;
      updated.push(toSummary({ ...row, folderId, seen, flagged, keywordsJson }));
      if (!moved && seen === row.seen && flagged === row.flagged && !relabelled) continue;
      await tx
        .update(messages)
        .set({ folderId, seen, flagged, keywordsJson })
        .where(and(eq(messages.userId, userId), eq(messages.messageId, id)));
      const wasUnread = row.seen ? 0 : 1;
      const isUnread = seen ? 0 : 1;
      if (moved) {
        bump(row.folderId, -1, -wasUnread);
        bump(folderId, 1, isUnread);
      } else if (wasUnread !== isUnread) {
        bump(folderId, 0, isUnread - wasUnread);
      }
      drafts.push({
        type: "message.updated",
        data: { id, folderId, ...(moved ? { previousFolderId: row.folderId } : {}), read: seen, starred: flagged, threadId: row.threadId, ...(relabelled && keywords ? { keywords } : {}) },
      });
    }
    const counts: FolderCounts[] = [];
    for (const [folderId, d] of deltas) if (d.total !== 0 || d.unread !== 0) counts.push(await bumpFolder(tx, userId, folderId, d.total, d.unread));
    if (counts.length > 0) drafts.push({ type: "folder.counts", data: { folders: counts } });
    const notFound = messageIds.filter((id) => !byId.has(id));
    return { value: { updated, notFound }, ...(await recordEvents(tx, userId, drafts)) };
  }));
}

/** Outside trash: moves to trash. In trash: deletes for good and gives the quota back. */
export async function deleteMessage(shard: ShardDatabase, userId: string, messageId: string): Promise<Change<DeleteResult>> {
  const trash = await findFolder(shard.db, userId, "trash");
  if (!trash) throw new ProblemError("internal", "This mailbox has no trash folder.");
  const row = await findMessage(shard, userId, messageId);
  if (!row) throw notFoundMessage(messageId);
  if (row.folderId === trash.folderId) {
    const recorded = await deleteMessagePermanently(shard, userId, messageId);
    if (!recorded) throw notFoundMessage(messageId);
    return { value: { id: messageId, deleted: "permanently" }, ...recorded };
  }
  const moved = await updateMessage(shard, userId, messageId, { folderId: trash.folderId });
  return { ...moved, value: { id: messageId, deleted: "moved-to-trash" } };
}

/** The headers a reply to `messageId` needs (In-Reply-To, References), or null if there is no such message. */
export async function replyTarget(shard: ShardDatabase, userId: string, messageId: string): Promise<{ messageIdHeader: string; references: string[] } | null> {
  const row = await findMessage(shard, userId, messageId);
  if (!row?.messageIdHeader) return null;
  return { messageIdHeader: row.messageIdHeader, references: row.inReplyTo ? [row.inReplyTo] : [] };
}

/** Removes a draft for good (replaced, or sent); null if it is gone or is no longer a draft. */
export async function discardDraft(shard: ShardDatabase, userId: string, draftId: string): Promise<Recorded | null> {
  const drafts = await findFolder(shard.db, userId, "drafts");
  const row = await findMessage(shard, userId, draftId);
  if (!drafts || !row || row.folderId !== drafts.folderId) return null;
  return deleteMessagePermanently(shard, userId, draftId);
}

/** The one path that removes a message for good: its rows, its folder's counts, its quota use, and
 * the events message.deleted and folder.counts. Reads the row inside the transaction, so a
 * concurrent change cannot skew the counters. Null if the message was already gone. */
async function deleteMessagePermanently(shard: ShardDatabase, userId: string, messageId: string): Promise<Recorded | null> {
  const { deleted, recorded } = await deleteMessagesPermanently(shard, userId, [messageId]);
  return deleted.length > 0 ? recorded : null;
}

/** Many messages for good in one transaction: rows, search documents, folder counts, quota, and one
 * message.deleted each with one folder.counts for all. `deleted`: the ids that were there. */
async function deleteMessagesPermanently(shard: ShardDatabase, userId: string, messageIds: readonly string[]): Promise<{ deleted: string[]; recorded: Recorded }> {
  return shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      const rows = messageIds.length === 0 ? [] : await tx.delete(messages).where(and(eq(messages.userId, userId), inArray(messages.messageId, [...messageIds]))).returning();
      const docIds = rows.flatMap((r) => (r.docId === null ? [] : [r.docId]));
      if (docIds.length > 0) await removeDocuments(tx, docIds);
      const ids = rows.map((r) => r.messageId);
      const drafts: EventDraft[] = [];
      if (rows.length > 0) {
        await tx.delete(messageBodies).where(and(eq(messageBodies.userId, userId), inArray(messageBodies.messageId, ids)));
        const files = await tx.delete(attachments).where(and(eq(attachments.userId, userId), inArray(attachments.messageId, ids))).returning({ blobKey: attachments.blobKey });
        await noteGarbage(tx, [...rows.map((r) => r.rawKey), ...files.map((f) => f.blobKey)]);
        const perFolder = new Map<string, { total: number; unread: number }>();
        for (const r of rows) {
          const d = perFolder.get(r.folderId) ?? { total: 0, unread: 0 };
          perFolder.set(r.folderId, { total: d.total - 1, unread: d.unread - (r.seen ? 0 : 1) });
        }
        const counts: FolderCounts[] = [];
        for (const [folderId, d] of perFolder) counts.push(await bumpFolder(tx, userId, folderId, d.total, d.unread));
        const bytes = rows.reduce((sum, r) => sum + r.size, 0);
        await tx
          .update(mailboxes)
          .set({ usedBytes: sql`max(0, ${mailboxes.usedBytes} - ${bytes})`, messageCount: sql`max(0, ${mailboxes.messageCount} - ${rows.length})` })
          .where(eq(mailboxes.userId, userId));
        for (const r of rows) drafts.push({ type: "message.deleted", data: { id: r.messageId, folderId: r.folderId } });
        drafts.push({ type: "folder.counts", data: { folders: counts } });
      }
      return { deleted: ids, recorded: await recordEvents(tx, userId, drafts) };
    }),
  );
}

/** Many messages deleted as one "select, then Delete" (Gmail's batchDelete, JMAP's Email/set destroy):
 * those outside Trash go to Trash, those already in it go for good; `notFound` names the ids that name
 * no message of the user's. Two transactions, each whole: the moves, then the removals. */
export async function deleteMessages(shard: ShardDatabase, userId: string, messageIds: readonly string[]): Promise<Change<MessagesDeleted>> {
  const trash = await findFolder(shard.db, userId, "trash");
  if (!trash) throw new ProblemError("internal", "This mailbox has no trash folder.");
  const ids = messageIds.filter(isUuidv7);
  const rows = ids.length === 0 ? [] : await shard.db.select({ messageId: messages.messageId, folderId: messages.folderId }).from(messages).where(and(eq(messages.userId, userId), inArray(messages.messageId, ids)));
  const folderOf = new Map(rows.map((r) => [r.messageId, r.folderId]));
  // In the order named, as a bulk patch answers.
  const found = ids.filter((id) => folderOf.has(id));
  const inTrash = found.filter((id) => folderOf.get(id) === trash.folderId);
  const elsewhere = found.filter((id) => folderOf.get(id) !== trash.folderId);
  const moved = elsewhere.length > 0 ? await updateMessages(shard, userId, elsewhere, { folderId: trash.folderId }) : null;
  const removed = inTrash.length > 0 ? await deleteMessagesPermanently(shard, userId, inTrash) : null;
  const trashed = moved ? moved.value.updated.map((m) => m.id) : [];
  const gone = new Set(removed?.deleted ?? []);
  const deleted = inTrash.filter((id) => gone.has(id));
  const done = new Set([...trashed, ...deleted]);
  const events = [...(moved?.events ?? []), ...(removed?.recorded.events ?? [])];
  const seq = removed?.recorded.seq ?? moved?.seq ?? (await currentSeq(shard.db, userId));
  return { value: { trashed, deleted, notFound: messageIds.filter((id) => !done.has(id)) }, events, seq };
}
