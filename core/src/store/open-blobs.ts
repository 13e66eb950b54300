// The one way every part of the core (the main thread, the pipeline and delivery threads, the CLI)
// gets its blob store, from the config's `blobs`: R2 over its S3 API in production, the local R2
// emulator's gateway otherwise. Opening is cheap and synchronous (both are HTTP clients), so each thread
// opens its own; the local emulator itself is a process that the process's entry starts once
// (startLocalR2IfNeeded) and whose URL then travels in the config.
import type { BlobStore } from "./blobs.ts";
import { httpBlobStore, startLocalR2 } from "./local-r2.ts";
import { s3BlobStore, type S3BlobConfig } from "./s3-blobs.ts";

export type BlobConfig =
  /** `url`: the emulator's gateway; null until started (startLocalR2IfNeeded). */
  | { kind: "local"; url: string | null; persistDir: string }
  | ({ kind: "s3" } & S3BlobConfig);

export function openBlobStore(config: BlobConfig): BlobStore {
  if (config.kind === "s3") return s3BlobStore(config);
  if (!config.url) throw new Error("the local R2 emulator has no URL yet: start it with startLocalR2IfNeeded (or set LOCAL_R2_URL)");
  return httpBlobStore(config.url);
}

/** For BLOB_STORE=local with no LOCAL_R2_URL: starts the emulator in a child process (which ends with
 * this one, however it ends) and gives the config with its URL. Otherwise the config as it is. */
export async function startLocalR2IfNeeded(config: BlobConfig): Promise<{ config: BlobConfig; stop: () => Promise<void> }> {
  if (config.kind !== "local" || config.url) return { config, stop: async () => {} };
  const r2 = await startLocalR2(config.persistDir);
  return { config: { ...config, url: r2.url }, stop: r2.close };
}
