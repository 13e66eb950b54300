// Filing: puts a batch of delivered messages into their mailboxes in one transaction per shard.
// Message ids are derived from the spool entry, so filing the same entry twice (after a crash lost
// its "done" record) finds the rows already there and changes nothing but where their raw bytes are:
// no duplicates, no double counts, no events. Threads are assigned in the same transaction (threading.ts). The same
// transaction records each user's events (message.updated for messages a thread merge moved, then
// message.created per message, then folder.counts), so the edge is told exactly what committed.
// Messages enter the search index in the same transaction (search-index/): searchable once visible, and
// the recipients of mail filed into Sent become the user's contacts (contacts.ts).
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { uuidv7 } from "../../../shared/ids.ts";
import type { FolderRole, MailAddress } from "../../../shared/api.ts";
import type { CoreEvent, FolderCounts } from "../../../shared/events.ts";
import { insertEvents, numberEvents, type EventDraft } from "./events.ts";
import { toSummary, type MessageRow } from "./message-summary.ts";
import { attachments, folders, mailboxes, messageBodies, messages } from "./shard-schema.ts";
import type { ShardDatabase } from "./shards.ts";
import type { AuthVerdict } from "./auth-verdict.ts";
import { assignThreads } from "./threading.ts";
import { recordContacts } from "./contacts.ts";
import { allocateDocIds } from "./search-index/doc-ids.ts";
import { indexMessage } from "./search-index/document.ts";
import { writeDocuments } from "./search-index/index-writes.ts";

export interface Filing {
  userId: string;
  messageId: string;
  folderRole: FolderRole;
  /** A folder of the user's own by name (a filter's fileinto): takes the place of folderRole, and is
   * created when missing, as Fastmail and Dovecot's `:create` do. */
  folderName?: string;
  receivedAt: number;
  size: number;
  seen: boolean;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  /** Not stored with the message (its raw bytes keep the header); counted as a contact when filed into Sent. */
  bcc?: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  snippet: string;
  sentAt: number | null;
  messageIdHeader: string | null;
  inReplyTo: string | null;
  /** The Message-IDs of References, `<…>` each (mail-format/parse.ts). */
  references: string[];
  text: string | null;
  html: string | null;
  raw: { key: string; offset: number; length: number };
  flagged?: boolean;
  keywords?: string[];
  auth?: AuthVerdict | null;
  spam?: { score: number; tests: string[] } | null;
  virusScan?: "clean" | "unscanned" | null;
  attachments: {
    attachmentId: string;
    filename: string;
    contentType: string;
    disposition: "attachment" | "inline";
    contentId: string | null;
    size: number;
    blobKey: string;
    risk?: { reason: string; detail: string } | null;
    /** The attachment's text (text/* and PDF attachments, search/attachment-text.ts), for the search
     * index only: it is not stored. */
    text?: string | null;
  }[];
}

export interface FilingResult {
  filed: Filing[];
  /** Already present (a refiling after a crash) — not an error. */
  duplicates: Filing[];
  /** The mailbox no longer exists (the user was removed after the message was accepted). */
  orphans: Filing[];
  /** What was recorded, per user in seq order; to be notified once the transaction committed. */
  events: CoreEvent[];
}

// SQLite allows 32,766 bound parameters per statement; messages have 23 columns.
const ROWS_PER_INSERT = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Where a filing goes in `folderOf`: a standard folder by role, or one of the user's by name. */
function targetKey(f: Filing): string {
  return f.folderName === undefined ? `${f.userId}/${f.folderRole}` : `${f.userId}/name:${f.folderName.toLowerCase()}`;
}

/** Finds the folders filters named (case-insensitively; "INBOX" is the inbox, as in IMAP) and
 * creates those that do not exist yet, inside the filing's transaction. */
async function resolveNamedFolders(tx: Parameters<Parameters<ShardDatabase["db"]["transaction"]>[0]>[0], named: Filing[], folderOf: Map<string, string>) {
  for (const f of named) {
    const key = targetKey(f);
    if (folderOf.has(key)) continue;
    const name = f.folderName!.trim();
    if (name.toLowerCase() === "inbox") {
      folderOf.set(key, folderOf.get(`${f.userId}/inbox`)!);
      continue;
    }
    const [row] = await tx
      .select({ folderId: folders.folderId })
      .from(folders)
      .where(and(eq(folders.userId, f.userId), sql`lower(${folders.name}) = ${name.toLowerCase()}`));
    if (row) {
      folderOf.set(key, row.folderId);
      continue;
    }
    const folderId = uuidv7();
    await tx.insert(folders).values({ userId: f.userId, folderId, name, role: null, createdAt: Date.now() });
    folderOf.set(key, folderId);
  }
}

/** `relocate`: a message found already filed takes this filing's raw location (see below); only for
 * filings of the same bytes again (delivered mail, whose ids come from the spool entry). */
export async function fileMessages(shard: ShardDatabase, filings: Filing[], options: { relocate?: boolean } = {}): Promise<FilingResult> {
  if (filings.length === 0) return { filed: [], duplicates: [], orphans: [], events: [] };
  const userIds = [...new Set(filings.map((f) => f.userId))];
  // The index text (and an HTML-only body's text for snippets) is made before the shard's write lock
  // is taken: it is the CPU part of indexing.
  const indexed = new Map(filings.map((f) => [f, indexMessage(f)]));
  return shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      const boxes = new Map(
        (await tx.select({ userId: mailboxes.userId, address: mailboxes.address }).from(mailboxes).where(inArray(mailboxes.userId, userIds))).map((r) => [
          r.userId,
          r.address,
        ]),
      );
      const folderRows = await tx
        .select({ userId: folders.userId, folderId: folders.folderId, role: folders.role })
        .from(folders)
        .where(and(inArray(folders.userId, userIds), isNotNull(folders.role)));
      const folderOf = new Map(folderRows.map((r) => [`${r.userId}/${r.role}`, r.folderId]));
      await resolveNamedFolders(tx, filings.filter((f) => f.folderName !== undefined && boxes.has(f.userId)), folderOf);
      const present = new Set<string>();
      for (const part of chunks(filings, ROWS_PER_INSERT)) {
        const keys = sql.join(
          part.map((f) => sql`(${f.userId}, ${f.messageId})`),
          sql`, `,
        );
        const rows = await tx
          .select({ userId: messages.userId, messageId: messages.messageId })
          .from(messages)
          .where(sql`(${messages.userId}, ${messages.messageId}) IN (VALUES ${keys})`);
        for (const r of rows) present.add(`${r.userId}/${r.messageId}`);
      }

      const result: FilingResult = { filed: [], duplicates: [], orphans: [], events: [] };
      const seen = new Set<string>();
      for (const f of filings) {
        const key = `${f.userId}/${f.messageId}`;
        if (options.relocate && present.has(key) && !seen.has(key)) {
          // Filed before, but its raw bytes may never have reached the blob store (the pipeline puts
          // them while the shard commits; mail-pipeline.ts): they are where this filing put them.
          seen.add(key);
          result.duplicates.push(f);
          await tx
            .update(messages)
            .set({ rawKey: f.raw.key, rawOffset: f.raw.offset, rawLength: f.raw.length })
            .where(and(eq(messages.userId, f.userId), eq(messages.messageId, f.messageId)));
        } else if (present.has(key) || seen.has(key)) result.duplicates.push(f);
        else if (!boxes.has(f.userId) || !folderOf.has(targetKey(f))) result.orphans.push(f);
        else {
          seen.add(key);
          result.filed.push(f);
        }
      }
      if (result.filed.length === 0) return result;
      const threading = await assignThreads(tx, boxes, result.filed);
      const docIds = await allocateDocIds(tx, result.filed);

      const rows = result.filed.map(
        (f): MessageRow => ({
          userId: f.userId,
          messageId: f.messageId,
          folderId: folderOf.get(targetKey(f))!,
          receivedAt: f.receivedAt,
          size: f.size,
          seen: f.seen,
          flagged: f.flagged ?? false,
          fromName: f.from?.name ?? null,
          fromAddress: f.from?.address ?? null,
          toJson: JSON.stringify(f.to),
          ccJson: JSON.stringify(f.cc),
          replyToJson: JSON.stringify(f.replyTo),
          subject: f.subject,
          snippet: f.snippet,
          sentAt: f.sentAt,
          messageIdHeader: f.messageIdHeader,
          inReplyTo: f.inReplyTo,
          threadId: threading.threadOf.get(f.messageId)!,
          subjectKey: threading.subjectKeyOf.get(f.messageId) ?? null,
          hasAttachments: f.attachments.some((a) => a.disposition === "attachment"),
          rawKey: f.raw.key,
          rawOffset: f.raw.offset,
          rawLength: f.raw.length,
          keywordsJson: JSON.stringify(f.keywords ?? []),
          authJson: f.auth ? JSON.stringify(f.auth) : null,
          spamScore: f.spam ? f.spam.score : null,
          spamTests: f.spam ? f.spam.tests.join(",") : null,
          virusScan: f.virusScan ?? null,
          trainedAs: null,
          docId: docIds.get(`${f.userId}/${f.messageId}`)!,
        }),
      );
      for (let i = 0; i < result.filed.length; i += ROWS_PER_INSERT) {
        const part = result.filed.slice(i, i + ROWS_PER_INSERT);
        await tx.insert(messages).values(rows.slice(i, i + ROWS_PER_INSERT));
        await tx.insert(messageBodies).values(part.map((f) => ({ userId: f.userId, messageId: f.messageId, text: f.text, html: f.html, htmlText: indexed.get(f)!.htmlText })));
        const parts = part.flatMap((f) =>
          f.attachments.map(({ risk, text: _, ...a }) => ({ userId: f.userId, messageId: f.messageId, ...a, risk: risk?.reason ?? null, riskDetail: risk?.detail ?? null })),
        );
        for (const ap of chunks(parts, ROWS_PER_INSERT)) await tx.insert(attachments).values(ap);
      }
      // The sender's own copy of what they sent (by the API or from a mail app): a filter that files
      // received mail into a folder named Sent (folderName) mailed nobody.
      await recordContacts(
        tx,
        result.filed
          .filter((f) => f.folderRole === "sent" && f.folderName === undefined)
          .map((f) => ({ userId: f.userId, ownAddress: boxes.get(f.userId)!, receivedAt: f.receivedAt, recipients: [...f.to, ...f.cc, ...(f.bcc ?? [])] })),
      );
      await writeDocuments(
        tx,
        result.filed.map((f, i) => ({ docId: rows[i]!.docId!, doc: indexed.get(f)!.doc })),
      );

      // Counters, aggregated so each folder and mailbox row is written once per batch.
      const perFolder = new Map<string, { userId: string; folderId: string; total: number; unread: number }>();
      const perBox = new Map<string, { bytes: number; count: number }>();
      for (const f of result.filed) {
        const folderId = folderOf.get(targetKey(f))!;
        const fc = perFolder.get(`${f.userId}/${folderId}`) ?? { userId: f.userId, folderId, total: 0, unread: 0 };
        fc.total++;
        if (!f.seen) fc.unread++;
        perFolder.set(`${f.userId}/${folderId}`, fc);
        const bc = perBox.get(f.userId) ?? { bytes: 0, count: 0 };
        bc.bytes += f.size;
        bc.count++;
        perBox.set(f.userId, bc);
      }
      // The updates return the new counters, which folder.counts reports without another read.
      const countsOf = new Map<string, FolderCounts[]>();
      for (const fc of perFolder.values()) {
        const [counts] = await tx
          .update(folders)
          .set({ total: sql`${folders.total} + ${fc.total}`, unread: sql`${folders.unread} + ${fc.unread}` })
          .where(sql`${folders.userId} = ${fc.userId} AND ${folders.folderId} = ${fc.folderId}`)
          .returning({ id: folders.folderId, unread: folders.unread, total: folders.total });
        countsOf.set(fc.userId, [...(countsOf.get(fc.userId) ?? []), counts!]);
      }
      const draftsOf = new Map<string, EventDraft[]>();
      for (const row of rows) {
        const list = draftsOf.get(row.userId) ?? [...(threading.rethreaded.get(row.userId) ?? [])];
        list.push({ type: "message.created", data: { message: toSummary(row) } });
        draftsOf.set(row.userId, list);
      }
      const at = Date.now();
      for (const [userId, bc] of perBox) {
        const drafts = draftsOf.get(userId)!;
        drafts.push({ type: "folder.counts", data: { folders: countsOf.get(userId)! } });
        // The same statement that counts the mailbox's use allocates the user's seqs.
        const [box] = await tx
          .update(mailboxes)
          .set({
            usedBytes: sql`${mailboxes.usedBytes} + ${bc.bytes}`,
            messageCount: sql`${mailboxes.messageCount} + ${bc.count}`,
            eventSeq: sql`${mailboxes.eventSeq} + ${drafts.length}`,
          })
          .where(sql`${mailboxes.userId} = ${userId}`)
          .returning({ seq: mailboxes.eventSeq });
        result.events.push(...numberEvents(userId, box!.seq, drafts, at));
      }
      await insertEvents(tx, result.events);
      return result;
    }),
  );
}
