// Moving one mailbox from a shard to another (of this region, or of another region with its own
// bucket), without losing or doubling anything, in steps any of which may be interrupted:
//   1. quiesce: the user is marked moving (mail deferred with 450 at RCPT in every region, API writes
//      refused with 503) and whatever was already acknowledged for them is filed first;
//   2. copy: the target's leftovers of an earlier attempt are dropped and the rows imported (blobs
//      copied when the bucket differs; the search index rebuilt with the target's doc ids);
//   3. verify: both copies compared table by table, the target checked on its own;
//   4. switch: the directory points at the target and the mark goes (the caller's one write);
//   5. remove the source's rows, then (another bucket) the source bucket's bytes only they read.
// The directory's pointer decides which copy is the mailbox at every moment: before the switch the
// source (the target's rows are nobody's), after it the target (the source's rows are leftovers).
// So a crash leaves the user served from exactly one copy, and running the move again finishes it:
// a pointer already at the target means only step 5 is left.
import { noteGarbage } from "../blob-gc/notes.ts";
import type { BlobStore } from "../blobs.ts";
import type { ShardDatabase } from "../shards.ts";
import { blobCopier } from "./copy-blobs.ts";
import { exportMailbox } from "./export.ts";
import { importMailbox, removeCopy, type RebuildIndex } from "./import.ts";
import { checkCopy, compareDigests, mailboxDigest, verifyBlobs } from "./verify.ts";

export interface MoveSide {
  shard: ShardDatabase;
  blobs: BlobStore;
}

export type MovePhase = "quiesce" | "copy" | "verify" | "switch" | "remove" | "done";

export interface MoveSteps {
  /** Which copy the directory names now. */
  pointer(): Promise<"source" | "target">;
  /** Marks the user moving and resolves once nothing acknowledged for them is left unfiled. */
  quiesce(): Promise<void>;
  /** The one write that makes the target the mailbox (the directory's pointer). */
  switchPointer(): Promise<void>;
  /** What follows the switch and may be done again: the marks cleared, the old directory entry gone. */
  afterSwitch?(): Promise<void>;
  /** After the source's rows are removed, when the target has another bucket: the source bucket's
   * packs and attachments those rows named, for the region's blob sweep (store/blob-gc/) to remove
   * what no other row of the region still reads. */
  removeBlobs?(keys: SourceBlobs): Promise<void>;
  rebuildIndex: RebuildIndex;
  onProgress?(phase: MovePhase, rows: number): void;
}

export class MoveVerifyError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`the copy differs from the mailbox, so the mailbox stays where it is: ${problems.join("; ")}`);
    this.name = "MoveVerifyError";
    this.problems = problems;
  }
}

export class MoveLeftoverError extends Error {
  constructor(messageIds: string[]) {
    super(`mail reached the old copy after the copy was made (${messageIds.length} message(s): ${messageIds.slice(0, 5).join(", ")}${messageIds.length > 5 ? " …" : ""}), so the old copy is kept; file it again at the new home before removing it`);
    this.name = "MoveLeftoverError";
  }
}

/** The source bucket's blobs a mailbox's rows name. */
export interface SourceBlobs {
  raw: string[];
  attachments: string[];
}

async function blobsOf(shard: ShardDatabase, userId: string): Promise<SourceBlobs> {
  const keys = async (query: string) => (await shard.client.execute({ sql: query, args: [userId] })).rows.map((r) => String(r[0]));
  return {
    raw: await keys("SELECT DISTINCT raw_key FROM messages WHERE user_id = ?"),
    attachments: await keys("SELECT DISTINCT blob_key FROM attachments WHERE user_id = ?"),
  };
}

/** Removes the source's rows, unless it holds a message the target lacks: mail filed into the old
 * copy after it was read (an SMTP session accepted before the mark and finished late) is never
 * thrown away. */
async function removeLeftovers(source: ShardDatabase, target: ShardDatabase, userId: string): Promise<void> {
  const ids = async (shard: ShardDatabase) =>
    (await shard.client.execute({ sql: "SELECT message_id FROM messages WHERE user_id = ?", args: [userId] })).rows.map((r) => String(r[0]));
  const there = new Set(await ids(target));
  const missing = (await ids(source)).filter((id) => !there.has(id));
  if (missing.length > 0) throw new MoveLeftoverError(missing);
  await removeCopy(source, userId);
}

/** Step 5: the old rows, then what of the old bucket only they read. The keys are noted for the
 * hourly blob sweep before the rows go, so a crash before removeBlobs leaves the bytes to it. */
async function removeSource(source: MoveSide, target: MoveSide, userId: string, steps: MoveSteps): Promise<void> {
  const keys = source.blobs !== target.blobs ? await blobsOf(source.shard, userId) : null;
  if (keys) await source.shard.writeLock.run(() => noteGarbage(source.shard.db, [...keys.raw, ...keys.attachments]));
  await removeLeftovers(source.shard, target.shard, userId);
  if (keys) await steps.removeBlobs?.(keys);
}

export interface MoveResult {
  /** Rows copied (0 when the move was only finished). */
  rows: number;
  /** Whether an earlier attempt had already switched the pointer. */
  resumed: boolean;
}

export async function moveMailbox(userId: string, source: MoveSide, target: MoveSide, steps: MoveSteps): Promise<MoveResult> {
  if (source.shard === target.shard) throw new Error("the source and target of a move are the same shard");
  if ((await steps.pointer()) === "target") {
    await steps.afterSwitch?.();
    steps.onProgress?.("remove", 0);
    await removeSource(source, target, userId, steps);
    steps.onProgress?.("done", 0);
    return { rows: 0, resumed: true };
  }
  const sameBucket = source.blobs === target.blobs;
  steps.onProgress?.("quiesce", 0);
  await steps.quiesce();
  steps.onProgress?.("copy", 0);
  const rows = await importMailbox(target.shard, userId, exportMailbox(source.shard, userId), {
    rebuildIndex: steps.rebuildIndex,
    ...(sameBucket ? {} : { transform: blobCopier(source.blobs, target.blobs) }),
    onRows: (n) => steps.onProgress?.("copy", n),
  });
  steps.onProgress?.("verify", rows);
  const [from, to] = await Promise.all([mailboxDigest(source.shard, userId, { sameBlobs: sameBucket }), mailboxDigest(target.shard, userId, { sameBlobs: sameBucket })]);
  const problems = [
    ...compareDigests(from, to),
    ...(await checkCopy(target.shard, userId)),
    ...(await verifyBlobs(target.shard, userId, target.blobs, sameBucket ? undefined : source)),
  ];
  if (problems.length > 0) throw new MoveVerifyError(problems);
  steps.onProgress?.("switch", rows);
  await steps.switchPointer();
  await steps.afterSwitch?.();
  steps.onProgress?.("remove", rows);
  await removeSource(source, target, userId, steps);
  steps.onProgress?.("done", rows);
  return { rows, resumed: false };
}
