// The Worker entry: the runtime-neutral app, given Cloudflare's bindings.
import { createApp } from "./app.ts";
import { loadEdgeConfig, type ConfigResult } from "./config.ts";
import type { Env } from "./env.ts";
import type { BlobReader, Platform } from "./platform.ts";

function r2Reader(bucket: R2Bucket): BlobReader {
  return {
    async get(key, range) {
      const object = await bucket.get(key, range ? { range } : undefined);
      return object ? { body: object.body, size: object.size } : null;
    },
  };
}

// The env object is the same for every request of an isolate: parse the config once per env.
const platforms = new WeakMap<Env, Platform>();

export function cloudflarePlatform(env: Env): Platform {
  let platform = platforms.get(env);
  if (!platform) {
    const config: ConfigResult = loadEdgeConfig(env as unknown as Record<string, unknown>);
    platform = { config, blobs: r2Reader(env.BLOBS), fetch: (input, init) => fetch(input, init) };
    platforms.set(env, platform);
  }
  return platform;
}

export const app = createApp(cloudflarePlatform);

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
