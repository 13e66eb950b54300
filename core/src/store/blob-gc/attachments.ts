// Attachment blobs nobody has any more. They are content-addressed (`att/sha256/<hex>`) and shared by
// every user of the region with the same file, so one goes only when no attachment row of any shard
// names it.
import type { ShardDatabase } from "../shards.ts";
import type { BlobStore } from "../blobs.ts";
import { attachmentReferenced } from "./live-rows.ts";

export interface AttachmentSweepResult {
  deleted: string[];
  /** Still named by some row. */
  kept: string[];
}

/** Deletes those of `keys` no attachment row of the region names. An upload not yet saved in a draft
 * has no row: the caller names only keys it took from rows it removed (a move, a deletion for good),
 * and a draft saved with a file deleted meanwhile is refused with 422 ("upload it again"). */
export async function removeUnreferencedAttachments(keys: string[], deps: { shards: ShardDatabase[]; blobs: BlobStore }): Promise<AttachmentSweepResult> {
  const result: AttachmentSweepResult = { deleted: [], kept: [] };
  for (const key of new Set(keys)) {
    if (await attachmentReferenced(deps.shards, key)) result.kept.push(key);
    else result.deleted.push(key);
  }
  await deps.blobs.delete(result.deleted);
  return result;
}
