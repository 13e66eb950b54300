// Thread assignment, inside the filing's shard transaction. A message joins the thread of any of the
// Message-IDs it names or carries (its own id, In-Reply-To, References): that finds its parent and
// its siblings (replies to a parent this mailbox never got), and children that arrived before it.
// When these lead to several threads, they merge into the oldest (thread ids are UUIDv7s, so the
// smallest is the oldest; the result does not depend on the order of the reads). A reply that finds
// nothing by its ids falls back to the subject: the same normalized subject within SUBJECT_WINDOW_MS
// and someone other than the owner in common, so two strangers' "Hello" never share a thread. Else
// the message starts a thread whose id is its own.
//
// Reads are one pass over thread_keys for the whole batch (O(ids) primary-key reads), plus one
// indexed subject read per reply found by nothing else; the batch's own messages are tracked in
// memory, so messages of one batch thread with each other exactly as if filed one by one.
import { and, eq, sql } from "drizzle-orm";
import type { MailAddress } from "../../../shared/api.ts";
import type { EventDraft } from "./events.ts";
import { messages, threadKeys } from "./shard-schema.ts";
import type { Queryable } from "./shards.ts";
import { messageIdKeys, normalizeSubject, participants, subjectKey } from "./thread-keys.ts";

/** How far apart (either way) a reply found by its subject alone may be from the thread's message. */
export const SUBJECT_WINDOW_MS = 30 * 86_400_000;
/** Subject candidates looked at per reply: the newest in the window. */
const SUBJECT_CANDIDATES = 50;
// Rows per statement: each (user_id, key) pair binds 2 parameters, each inserted key 3.
const KEYS_PER_STATEMENT = 500;

/** What threading reads of a message being filed: its ids, subject, people and time. Filing's
 * message (filing.ts) has all of it; named here so that threading needs nothing from its caller. */
export interface ThreadInput {
  userId: string;
  messageId: string;
  receivedAt: number;
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  messageIdHeader: string | null;
  inReplyTo: string | null;
  references: string[];
}

export interface Threading {
  /** Each filed message's thread, by message id. */
  threadOf: Map<string, string>;
  /** Each filed message's subject key (shard-schema.ts messages.subjectKey), by message id. */
  subjectKeyOf: Map<string, string | null>;
  /** Messages already in the mailbox that a merge moved to another thread: message.updated per
   * message, per user. */
  rethreaded: Map<string, EventDraft[]>;
}

interface Candidate {
  threadId: string;
  receivedAt: number;
  people: Set<string>;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The keys of what a message names: its own id, and the ids it answers. */
function namedIds(f: ThreadInput): { own: string[]; answered: string[] } {
  const own = messageIdKeys(f.messageIdHeader).slice(0, 1);
  const answered = [...new Set([...messageIdKeys(f.inReplyTo), ...f.references.flatMap(messageIdKeys)])].filter((k) => k !== own[0]);
  return { own, answered };
}

function keysOf(f: ThreadInput): string[] {
  const { own, answered } = namedIds(f);
  return [...own, ...answered];
}

function peopleOf(row: { fromAddress: string | null; toJson: string; ccJson: string; replyToJson: string }, owner: string): Set<string> {
  const parse = (json: string) => JSON.parse(json) as { name: string; address: string }[];
  return participants([row.fromAddress ? { name: "", address: row.fromAddress } : null, ...parse(row.toJson), ...parse(row.ccJson), ...parse(row.replyToJson)], owner);
}

const meets = (a: Set<string>, b: Set<string>) => [...a].some((p) => b.has(p));

/** Assigns the thread of every message in `filed` (new to the mailbox, in filing order), merges the
 * threads they join together and records their keys. Runs before the messages' rows are inserted.
 * `owners`: each user's own address. */
export async function assignThreads(tx: Queryable, owners: Map<string, string>, filed: ThreadInput[]): Promise<Threading> {
  const result: Threading = { threadOf: new Map(), subjectKeyOf: new Map(), rethreaded: new Map() };
  const byUser = new Map<string, ThreadInput[]>();
  for (const f of filed) {
    const list = byUser.get(f.userId);
    if (list) list.push(f);
    else byUser.set(f.userId, [f]);
  }

  // Every key the batch names, and the thread each already has.
  const wanted = [...byUser].flatMap(([userId, list]) => [...new Set(list.flatMap(keysOf))].map((key) => ({ userId, key })));
  const known = new Map<string, string>();
  for (const part of chunks(wanted, KEYS_PER_STATEMENT)) {
    const pairs = sql.join(part.map((w) => sql`(${w.userId}, ${w.key})`), sql`, `);
    const rows = await tx
      .select()
      .from(threadKeys)
      .where(sql`(${threadKeys.userId}, ${threadKeys.key}) IN (VALUES ${pairs})`);
    for (const r of rows) known.set(`${r.userId}/${r.key}`, r.threadId);
  }

  for (const [userId, list] of byUser) {
    const owner = owners.get(userId) ?? "";
    const keyThread = new Map<string, string>();
    for (const key of new Set(list.flatMap(keysOf))) {
      const thread = known.get(`${userId}/${key}`);
      if (thread) keyThread.set(key, thread);
    }
    const existingKeys = new Set(keyThread.keys());
    // Merged thread → the thread it went into.
    const mergedInto = new Map<string, string>();
    const find = (thread: string): string => {
      let t = thread;
      for (let next = mergedInto.get(t); next; next = mergedInto.get(t)) t = next;
      return t;
    };
    const batchSubjects = new Map<string, Candidate[]>();

    const bySubject = async (f: ThreadInput, key: string, people: Set<string>): Promise<string | null> => {
      const rows = await tx
        .select({
          threadId: messages.threadId,
          receivedAt: messages.receivedAt,
          fromAddress: messages.fromAddress,
          toJson: messages.toJson,
          ccJson: messages.ccJson,
          replyToJson: messages.replyToJson,
        })
        .from(messages)
        .where(
          and(
            eq(messages.userId, userId),
            eq(messages.subjectKey, key),
            sql`${messages.receivedAt} BETWEEN ${f.receivedAt - SUBJECT_WINDOW_MS} AND ${f.receivedAt + SUBJECT_WINDOW_MS}`,
          ),
        )
        .orderBy(sql`${messages.receivedAt} DESC`)
        .limit(SUBJECT_CANDIDATES);
      const candidates: Candidate[] = [
        ...rows.map((r) => ({ threadId: r.threadId, receivedAt: r.receivedAt, people: peopleOf(r, owner) })),
        ...(batchSubjects.get(key) ?? []).filter((c) => Math.abs(c.receivedAt - f.receivedAt) <= SUBJECT_WINDOW_MS),
      ];
      // The closest in time of those with someone in common.
      const match = candidates
        .filter((c) => meets(c.people, people))
        .sort((a, b) => Math.abs(a.receivedAt - f.receivedAt) - Math.abs(b.receivedAt - f.receivedAt))[0];
      return match ? find(match.threadId) : null;
    };

    // Threads this batch started: no stored rows carry them yet.
    const started = new Set<string>();
    for (const f of list) {
      const { own, answered } = namedIds(f);
      const keys = [...own, ...answered];
      const subject = normalizeSubject(f.subject);
      const sKey = subjectKey(subject.normalized);
      const people = participants([f.from, ...f.to, ...f.cc, ...f.replyTo], owner);
      const found = [...new Set(keys.flatMap((k) => (keyThread.has(k) ? [find(keyThread.get(k)!)] : [])))].sort();
      let thread = found[0] ?? null;
      for (const other of found.slice(1)) mergedInto.set(other, thread!);
      // Only a reply (by its subject or by naming a parent) is threaded by subject: a new message that
      // repeats a subject (a daily report, say) starts its own thread.
      if (!thread && (subject.reply || answered.length > 0) && sKey) thread = await bySubject(f, sKey, people);
      if (!thread) {
        thread = f.messageId;
        started.add(thread);
      }
      for (const k of keys) keyThread.set(k, thread);
      result.threadOf.set(f.messageId, thread);
      result.subjectKeyOf.set(f.messageId, sKey);
      if (sKey) {
        const candidate = { threadId: thread, receivedAt: f.receivedAt, people };
        const same = batchSubjects.get(sKey);
        if (same) same.push(candidate);
        else batchSubjects.set(sKey, [candidate]);
      }
    }

    for (const f of list) result.threadOf.set(f.messageId, find(result.threadOf.get(f.messageId)!));
    // Merges re-label the messages and keys already stored; the batch's own rows are inserted with
    // their final thread.
    const drafts: EventDraft[] = [];
    for (const merged of mergedInto.keys()) {
      if (started.has(merged)) continue;
      const into = find(merged);
      const moved = await tx
        .update(messages)
        .set({ threadId: into })
        .where(and(eq(messages.userId, userId), eq(messages.threadId, merged)))
        .returning({ id: messages.messageId, folderId: messages.folderId, read: messages.seen, starred: messages.flagged });
      for (const m of moved) drafts.push({ type: "message.updated", data: { ...m, threadId: into } });
      await tx.update(threadKeys).set({ threadId: into }).where(and(eq(threadKeys.userId, userId), eq(threadKeys.threadId, merged)));
    }
    if (drafts.length > 0) result.rethreaded.set(userId, drafts);
    const fresh = [...keyThread].filter(([k]) => !existingKeys.has(k)).map(([key, thread]) => ({ userId, key, threadId: find(thread) }));
    for (const part of chunks(fresh, KEYS_PER_STATEMENT)) await tx.insert(threadKeys).values(part).onConflictDoNothing();
  }
  return result;
}
