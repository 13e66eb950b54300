// Reading one conversation: its messages in every folder, oldest first. Threads are assigned on
// filing (threading.ts); a thread exists exactly as long as one of its messages does.
import { and, eq, sql } from "drizzle-orm";
import type { Thread } from "../../../shared/api.ts";
import { isUuidv7 } from "../../../shared/ids.ts";
import { limits } from "../../../shared/limits.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { toSummary } from "./message-summary.ts";
import { messages } from "./shard-schema.ts";
import type { ShardDatabase } from "./shards.ts";

/** Another user's thread, or one with no messages left, is not found: the same answer either way. */
export async function getThread(shard: ShardDatabase, userId: string, threadId: string): Promise<Thread> {
  if (!isUuidv7(threadId)) throw new ProblemError("notFound", `No thread ${threadId}.`);
  const ofThread = and(eq(messages.userId, userId), eq(messages.threadId, threadId));
  // One read transaction, so the counts and the rows agree.
  const [totals, first, newest] = await shard.db.batch([
    shard.db
      .select({ count: sql<number>`count(*)`, unread: sql<number>`coalesce(sum(NOT ${messages.seen}), 0)` })
      .from(messages)
      .where(ofThread),
    shard.db.select({ subject: messages.subject }).from(messages).where(ofThread).orderBy(sql`${messages.receivedAt} ASC`, sql`${messages.messageId} ASC`).limit(1),
    shard.db
      .select()
      .from(messages)
      .where(ofThread)
      .orderBy(sql`${messages.receivedAt} DESC`, sql`${messages.messageId} DESC`)
      .limit(limits.maxThreadMessages),
  ]);
  const count = totals[0]?.count ?? 0;
  if (count === 0) throw new ProblemError("notFound", `No thread ${threadId}.`);
  return {
    id: threadId,
    subject: first[0]?.subject ?? "",
    messages: newest.reverse().map(toSummary),
    messageCount: count,
    unread: totals[0]?.unread ?? 0,
  };
}
