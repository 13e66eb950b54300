// What the app needs from the runtime, behind plain interfaces. index.ts builds it from Cloudflare
// bindings; another runtime (Deno, Node) would build it from its own storage client.
import type { ConfigResult } from "./config.ts";

export interface BlobRange {
  offset: number;
  length: number;
}

export interface BlobObject {
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface BlobReader {
  get(key: string, range?: BlobRange): Promise<BlobObject | null>;
}

export interface Platform {
  config: ConfigResult;
  blobs: BlobReader;
  fetch: typeof fetch;
}
