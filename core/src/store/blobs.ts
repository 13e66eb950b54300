// The blob role: raw messages and attachments in R2. The interface is narrow so that the core can
// reach R2 however its deployment allows: in production through R2's S3 API (s3-blobs.ts); in the
// embedded default through the same local R2 emulation as `wrangler dev`, on the same on-disk state
// (local-r2.ts), so both tiers see one bucket, as in production. open-blobs.ts picks one from the config.
export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  has(key: string): Promise<boolean>;
  /** The bytes of `key` (or of `length` bytes from `offset`), or null when there is no such blob. */
  get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/** Where an attachment's bytes live: by content address, so the same file sent to many users is
 * stored once. */
export const attachmentKey = (sha256: string) => `att/sha256/${sha256}`;
