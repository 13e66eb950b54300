// The embedded default's R2: Miniflare (the emulator inside `wrangler dev`) with the state kept where
// `wrangler dev --persist-to <dataDir>/edge` keeps it, so both tiers see one bucket. The core talks to
// it through a small worker over plain HTTP on loopback: wrangler's platform proxy serializes every
// value (about 18 ms of CPU per MB), a streamed PUT does not.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import type { BlobStore } from "./blobs.ts";

export const BUCKET_NAME = "edgemail-blobs";

const GATEWAY = `
export default {
  async fetch(request, env) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (request.method === "PUT") {
      const contentType = request.headers.get("content-type");
      await env.BLOBS.put(key, request.body, contentType ? { httpMetadata: { contentType } } : undefined);
      return new Response(null, { status: 204 });
    }
    if (request.method === "HEAD") return new Response(null, { status: (await env.BLOBS.head(key)) ? 200 : 404 });
    if (request.method === "GET") {
      const offset = request.headers.get("x-offset");
      const length = request.headers.get("x-length");
      const object = await env.BLOBS.get(key, offset !== null ? { range: { offset: Number(offset), length: Number(length) } } : undefined);
      return object ? new Response(object.body) : new Response(null, { status: 404 });
    }
    return new Response(null, { status: 405 });
  },
};`;

/** Starts the emulator; `url` is its gateway, for `httpBlobStore` in any thread of this process. */
export async function startLocalR2(persistDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: GATEWAY,
      r2Buckets: { BLOBS: BUCKET_NAME },
      resourcePersistencePath: persistDir,
      // Local development needs nothing from the internet (Miniflare would fetch `Request.cf` data).
      cf: false,
    }),
  );
  return { url: (await mf.ready).href, close: () => mf.dispose() };
}

/** The blob store over a running gateway. */
export function httpBlobStore(base: string, close: () => Promise<void> = async () => {}): BlobStore {
  const url = (key: string) => new URL(encodeURIComponent(key), base);
  const fail = async (what: string, res: Response) => {
    throw new Error(`local R2 ${what} failed: ${res.status} ${await res.text()}`);
  };
  return {
    async put(key, bytes, contentType) {
      const res = await fetch(url(key), { method: "PUT", body: bytes, headers: contentType ? { "content-type": contentType } : {} });
      if (!res.ok) await fail("put", res);
    },
    async has(key) {
      const res = await fetch(url(key), { method: "HEAD" });
      if (res.status !== 200 && res.status !== 404) await fail("head", res);
      return res.status === 200;
    },
    async get(key, range) {
      const res = await fetch(url(key), { headers: range ? { "x-offset": String(range.offset), "x-length": String(range.length) } : {} });
      if (res.status === 404) return null;
      if (!res.ok) await fail("get", res);
      return new Uint8Array(await res.arrayBuffer());
    },
    close,
  };
}

/** Starts the emulator and returns a blob store on it (closing the store stops the emulator). */
export async function openLocalR2(persistDir: string): Promise<BlobStore> {
  const r2 = await startLocalR2(persistDir);
  return httpBlobStore(r2.url, r2.close);
}
