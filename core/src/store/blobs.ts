// The blob role: raw messages and attachments in R2. The interface is narrow so that the core can
// reach R2 however its deployment allows; the embedded default uses the same local R2 emulation as
// `wrangler dev` (through wrangler's platform proxy on the same on-disk state), so both tiers see one
// bucket, as in production.
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface BlobStore {
  put(key: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  has(key: string): Promise<boolean>;
  /** The bytes of `key` (or of `length` bytes from `offset`), or null when there is no such blob. */
  get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/** The part of Workers' R2Bucket the core uses (the binding's own types live on the edge side). */
interface R2BucketLike {
  put(key: string, value: Uint8Array, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
  head(key: string): Promise<unknown | null>;
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

export function r2BlobStore(bucket: R2BucketLike, dispose: () => Promise<void> = async () => {}): BlobStore {
  return {
    async put(key, bytes, contentType) {
      await bucket.put(key, bytes, contentType ? { httpMetadata: { contentType } } : undefined);
    },
    async has(key) {
      return (await bucket.head(key)) !== null;
    },
    async get(key, range) {
      const object = await bucket.get(key, range ? { range } : undefined);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    close: dispose,
  };
}

const WRANGLER_TOML = fileURLToPath(new URL("../../../wrangler.toml", import.meta.url));

/** The local R2 emulation, persisted where `wrangler dev --persist-to <dataDir>/edge` keeps it. */
export async function openLocalR2(persistDir: string): Promise<BlobStore> {
  // wrangler is a development dependency: only the embedded default loads it.
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<{ BLOBS: R2BucketLike }>({
    configPath: WRANGLER_TOML,
    persist: { path: path.resolve(persistDir) },
  });
  return r2BlobStore(proxy.env.BLOBS, () => proxy.dispose());
}
