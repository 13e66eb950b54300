// The Platform (platform.ts) built from Cloudflare's bindings, once per env object (the env is the
// same for every request of an isolate, so the config is parsed once).
import { loadEdgeConfig } from "./config.ts";
import type { Env } from "./env.ts";
import type { Platform } from "./platform.ts";
import { r2Bucket } from "./r2-bucket.ts";
import { rateLimits } from "./rate-limits.ts";

const platforms = new WeakMap<Env, Platform>();

export function cloudflarePlatform(env: Env): Platform {
  let platform = platforms.get(env);
  if (!platform) {
    platform = {
      config: loadEdgeConfig(env as unknown as Record<string, unknown>),
      blobs: r2Bucket(env.BLOBS),
      fetch: (input, init) => fetch(input, init),
      rateLimit: async (kind, key) => (await env[rateLimits[kind].binding].limit({ key })).success,
      hub: (userId) => env.MAILBOX_HUB.get(env.MAILBOX_HUB.idFromName(userId)),
      // Cloudflare's edge sets it for every request and replaces one a client sent. Miniflare
      // (its entry worker, under npm start and wrangler dev) fills it from the socket only when the request has none, so
      // locally a client on loopback can choose it; deployed, it cannot.
      clientAddress: (c) => c.req.header("cf-connecting-ip") ?? null,
    };
    platforms.set(env, platform);
  }
  return platform;
}
