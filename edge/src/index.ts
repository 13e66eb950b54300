// The Worker entry: the runtime-neutral app and queue consumers, given Cloudflare's bindings.
import { createApp } from "./app.ts";
import { loadEdgeConfig } from "./config.ts";
import type { Env } from "./env.ts";
import type { Platform } from "./platform.ts";
import { consumeOutgoing, consumeOutgoingErrors, retryDelaySeconds, type QueuedMessage } from "./queue/consumers.ts";
import type { OutgoingMessage } from "./queue/outgoing-message.ts";
import { r2Bucket } from "./r2-bucket.ts";
import { consumeWebhooks, type WebhookDelivery } from "./webhooks/delivery.ts";
import { sendBatches } from "./webhooks/send-batches.ts";

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
      enqueueWebhooks: async (deliveries) => {
        for (const batch of sendBatches(deliveries)) await env.WEBHOOKS.sendBatch(batch.map((body) => ({ body })));
      },
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

async function consumeWebhookBatch(messages: QueuedMessage<WebhookDelivery>[], platform: Platform): Promise<void> {
  if (!platform.config.ok) {
    // Without a valid config the URL policy is unknown: wait for the operator's fix.
    for (const m of messages) m.retry(retryDelaySeconds(m.attempts));
    return;
  }
  await consumeWebhooks(messages, {
    fetch: platform.fetch,
    allowPrivate: platform.config.config.webhookAllowPrivate,
    // The hook for disabling the webhook in its owner's mailbox Durable Object; until that exists,
    // the operator learns of it from the log.
    onGone: async (d, reason) => {
      console.warn(JSON.stringify({ level: "warn", msg: "webhook: endpoint gone", webhookId: d.webhookId, userId: d.userId, reason }));
    },
  });
}

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    const platform = cloudflarePlatform(env);
    if (batch.queue.endsWith("-webhooks")) {
      await consumeWebhookBatch(queued(batch as MessageBatch<WebhookDelivery>), platform);
    } else if (batch.queue.endsWith("-errors")) {
      await consumeOutgoingErrors(queued(batch as MessageBatch<OutgoingMessage & { reason: string }>), platform);
    } else {
      await consumeOutgoing(queued(batch as MessageBatch<OutgoingMessage>), platform, async (m) => {
        await env.OUTGOING_ERRORS.send(m);
      });
    }
  },
} satisfies ExportedHandler<Env, unknown>;
