// The Worker entry: the runtime-neutral app and queue consumers, given Cloudflare's bindings.
import { createApp } from "./app.ts";
import { loadEdgeConfig } from "./config.ts";
import type { Env } from "./env.ts";
import type { Platform } from "./platform.ts";
import { consumeOutgoing, consumeOutgoingErrors, type QueuedMessage } from "./queue/consumers.ts";
import type { OutgoingMessage } from "./queue/outgoing-message.ts";
import { r2Bucket } from "./r2-bucket.ts";
import { rateLimits } from "./rate-limits.ts";

// The env object is the same for every request of an isolate: parse the config once per env.
const platforms = new WeakMap<Env, Platform>();

export function cloudflarePlatform(env: Env): Platform {
  let platform = platforms.get(env);
  if (!platform) {
    platform = {
      config: loadEdgeConfig(env as unknown as Record<string, unknown>),
      blobs: r2Bucket(env.BLOBS),
      fetch: (input, init) => fetch(input, init),
      sendOutgoing: async (message) => {
        await env.OUTGOING.send(message);
      },
      rateLimit: async (kind, key) => (await env[rateLimits[kind].binding].limit({ key })).success,
    };
    platforms.set(env, platform);
  }
  return platform!;
}

export const app = createApp(cloudflarePlatform);

function queued<T>(batch: MessageBatch<T>): QueuedMessage<T>[] {
  return batch.messages.map((m) => ({
    body: m.body,
    attempts: m.attempts,
    ack: () => m.ack(),
    retry: (delaySeconds: number) => m.retry({ delaySeconds }),
  }));
}

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    const platform = cloudflarePlatform(env);
    if (batch.queue.endsWith("-errors")) {
      await consumeOutgoingErrors(queued(batch as MessageBatch<OutgoingMessage & { reason: string }>), platform);
    } else {
      await consumeOutgoing(queued(batch as MessageBatch<OutgoingMessage>), platform, async (m) => {
        await env.OUTGOING_ERRORS.send(m);
      });
    }
  },
} satisfies ExportedHandler<Env, OutgoingMessage>;
