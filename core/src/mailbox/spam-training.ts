// Users teach the spam filter by where they put mail: moving a message into Junk (or reporting it)
// learns it as spam, moving it out of Junk (or "not spam") learns it as ham. Each message counts
// once: a second report changes nothing, and a change of mind takes the first verdict back before
// learning the new one (as SpamAssassin's sa-learn --forget). The user's own model and the region's
// global one both learn. The tokens are the spam filter's own (pipeline/spam/bayes.ts), handed in
// by whoever wires the service: the filter sits above the mailbox, which must not import it.
import { and, eq } from "drizzle-orm";
import type { Logger } from "../log.ts";
import { parseMail, type ParsedMail } from "../mail-format/parse.ts";
import { learnDelta, mergeDeltas, type Verdict } from "../store/bayes-model.ts";
import type { BlobStore } from "../store/blobs.ts";
import type { Directory } from "../store/directory.ts";
import { folders, messages } from "../store/shard-schema.ts";
import type { ShardDatabase } from "../store/shards.ts";
import { learnGlobal, learnUser } from "../store/spam-model.ts";

/** The spam filter's tokens of a message (token hashes), as it reads them when it scores. */
export type SpamTokens = (raw: Buffer, mail: ParsedMail) => number[];

export interface TrainingDeps {
  directory: Directory;
  blobs: BlobStore;
  log: Logger;
  spamTokens: SpamTokens;
}

/** The verdict a move teaches: into Junk is spam; out of Junk into anything but Trash is ham
 * (deleting spam says nothing new about it). */
export function verdictOfMove(fromRole: string | null, toRole: string | null): Verdict | null {
  if (toRole === "junk" && fromRole !== "junk") return "spam";
  if (fromRole === "junk" && toRole !== "junk" && toRole !== "trash") return "ham";
  return null;
}

export async function folderRole(shard: ShardDatabase, userId: string, folderId: string): Promise<string | null> {
  const [row] = await shard.db.select({ role: folders.role }).from(folders).where(and(eq(folders.userId, userId), eq(folders.folderId, folderId)));
  return row?.role ?? null;
}

/** Learns one message of the user's as spam or ham. Returns whether anything was learned. */
export async function trainMessage(deps: TrainingDeps, shard: ShardDatabase, userId: string, messageId: string, as: Verdict): Promise<boolean> {
  const [row] = await shard.db
    .select({ trainedAs: messages.trainedAs, rawKey: messages.rawKey, rawOffset: messages.rawOffset, rawLength: messages.rawLength })
    .from(messages)
    .where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
  if (!row || row.trainedAs === as) return false;
  const raw = await deps.blobs.get(row.rawKey, { offset: row.rawOffset, length: row.rawLength });
  if (!raw) {
    deps.log.warn("spam training: the message's raw bytes are missing; not learned", { userId, messageId });
    return false;
  }
  const bytes = Buffer.from(raw);
  const tokens = deps.spamTokens(bytes, await parseMail(bytes));
  let delta = learnDelta(tokens, as, 1);
  if (row.trainedAs === "spam" || row.trainedAs === "ham") delta = mergeDeltas([learnDelta(tokens, row.trainedAs, -1), delta]);
  const learned = await shard.writeLock.run(() =>
    shard.db.transaction(async (tx) => {
      // Checked again inside the transaction: two reports at once learn once.
      const [now] = await tx.select({ trainedAs: messages.trainedAs }).from(messages).where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
      if (!now || now.trainedAs !== row.trainedAs) return false;
      await learnUser(tx, userId, delta);
      await tx.update(messages).set({ trainedAs: as }).where(and(eq(messages.userId, userId), eq(messages.messageId, messageId)));
      return true;
    }),
  );
  // The global model follows the user's; should this fail the user's own filter has still learned.
  if (learned) await learnGlobal(deps.directory, delta).catch((err: unknown) => deps.log.error("spam training: the global model did not learn", { err, userId, messageId }));
  return learned;
}
