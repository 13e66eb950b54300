// The blob role: raw messages and attachments in R2. The interface is narrow so that the core can
// reach R2 however its deployment allows: in production through R2's S3 API (s3-blobs.ts); in the
// embedded default through the same local R2 emulation as `wrangler dev`, on the same on-disk state
// (local-r2.ts), so both tiers see one bucket, as in production. open-blobs.ts picks one from the config.
import { uuidv7 } from "../../../shared/ids.ts";

export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  has(key: string): Promise<boolean>;
  /** The bytes of `key` (or of `length` bytes from `offset`), or null when there is no such blob. */
  get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | null>;
  /** Removes the blobs; a key that is not there is no error (a retried sweep deletes again). */
  delete(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Where an attachment's bytes live: by content address, so the same file sent to many users is
 * stored once. */
export const ATTACHMENT_PREFIX = "att/";
export const attachmentKey = (sha256: string) => `${ATTACHMENT_PREFIX}sha256/${sha256}`;

/** Where a new pack of raw messages goes: by day, named by a UUIDv7 (its time is the pack's age). */
export const packKey = (now: number = Date.now()) => `raw/${new Date(now).toISOString().slice(0, 10)}/${uuidv7(now)}.pack`;

/** Runs `each` over `keys`, a few at a time (a sweep may name thousands of blobs, each one request). */
export async function inBatches(keys: string[], each: (key: string) => Promise<void>, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await each(keys[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
}
