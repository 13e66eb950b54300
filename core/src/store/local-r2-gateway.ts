// The local R2 emulator's door for the core: a small worker over the bucket, spoken to in plain HTTP on
// loopback (wrangler's platform proxy serializes every value, about 18 ms of CPU per MB; a streamed PUT
// does not). Run by Miniflare, the emulator inside `wrangler dev`: beside the edge in npm start's
// Miniflare (local-edge.ts), or alone in a process of its own (local-r2.ts). Plain data here; Miniflare
// is loaded only by the process that runs it.

/** The bucket both tiers share; wrangler.toml binds the edge's BLOBS to the same name. Under
 * `REGIONS=… npm start` every other region has one of its own (local-regions.ts). */
export const BUCKET_NAME = "edgemail-blobs";
export const GATEWAY_WORKER_NAME = "edgemail-r2-gateway";

/** The gateway worker of `bucket` (one per bucket, each on its own socket). */
export function gatewayWorkerName(bucket: string): string {
  return bucket === BUCKET_NAME ? GATEWAY_WORKER_NAME : `${GATEWAY_WORKER_NAME}-${bucket}`;
}

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
    if (request.method === "DELETE") {
      await env.BLOBS.delete(key);
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 405 });
  },
};`;

/** The gateway of `bucket` as a Miniflare worker, on a loopback socket of its own (its URL: Miniflare's
 * unsafeGetDirectURL(gatewayWorkerName(bucket))). */
export function gatewayWorker(bucket: string = BUCKET_NAME) {
  return {
    name: gatewayWorkerName(bucket),
    modules: true,
    script: GATEWAY,
    r2Buckets: { BLOBS: bucket },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
}
