// The Platform (platform.ts) built from Cloudflare's bindings, once per env object (the env is the
// same for every request of an isolate, so the config is parsed once).
import { loadEdgeConfig, type EdgeConfig } from "./config.ts";
import type { Env } from "./env.ts";
import type { BlobBucket, Platform } from "./platform.ts";
import { r2Bucket } from "./r2-bucket.ts";
import { rateLimits } from "./rate-limits.ts";

const platforms = new WeakMap<Env, Platform>();

/** The namespace of `region`'s hubs: a region in REGION_JURISDICTIONS has its users' Durable Objects
 * created, and kept, in that jurisdiction. workerd throws on jurisdiction() ("not implemented in
 * workerd"), so a local run binds LOCAL_JURISDICTION_HUB in its stead: storage apart from the default
 * namespace's, which the residency test scans. */
function hubNamespace(env: Env, config: EdgeConfig | null, region: string): Env["MAILBOX_HUB"] {
  const jurisdiction = config?.regionJurisdictions[region];
  if (!jurisdiction) return env.MAILBOX_HUB;
  return env.LOCAL_JURISDICTION_HUB ?? env.MAILBOX_HUB.jurisdiction(jurisdiction);
}

export function cloudflarePlatform(env: Env): Platform {
  let platform = platforms.get(env);
  if (!platform) {
    const config = loadEdgeConfig(env as unknown as Record<string, unknown>);
    const settings = config.ok ? config.config : null;
    const buckets = new Map<string, BlobBucket>();
    platform = {
      config,
      blobs: (region) => {
        // The config checked that every binding REGION_BUCKETS names is there.
        const binding = settings?.regionBuckets[region] ?? "BLOBS";
        let bucket = buckets.get(binding);
        if (!bucket) {
          bucket = r2Bucket((env as unknown as Record<string, R2Bucket>)[binding]!);
          buckets.set(binding, bucket);
        }
        return bucket;
      },
      fetch: (input, init) => fetch(input, init),
      rateLimit: async (kind, key) => (await env[rateLimits[kind].binding].limit({ key })).success,
      hub: (userId, region) => {
        const namespace = hubNamespace(env, settings, region);
        return namespace.get(namespace.idFromName(userId));
      },
      // Cloudflare's edge sets it for every request and replaces one a client sent. Miniflare
      // (its entry worker, under npm start and wrangler dev) fills it from the socket only when the request has none, so
      // locally a client on loopback can choose it; deployed, it cannot.
      clientAddress: (c) => c.req.header("cf-connecting-ip") ?? null,
    };
    platforms.set(env, platform);
  }
  return platform;
}
