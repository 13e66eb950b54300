// The Worker entry: the runtime-neutral app, the queue consumers and the per-user Durable Object,
// given Cloudflare's bindings.
import { createApp } from "./app.ts";
import { cloudflarePlatform } from "./cloudflare-platform.ts";
import type { Env } from "./env.ts";
import { log } from "./log.ts";
import type { Platform } from "./platform.ts";
import type { OutgoingMessage, QueuedMessage, WebhookDelivery } from "./queue-messages.ts";
import { consumeOutgoing, consumeOutgoingErrors, retryDelaySeconds } from "./queue/consumers.ts";
import { webhookOptions } from "./webhooks/consumer-options.ts";
import { consumeWebhooks } from "./webhooks/delivery.ts";

import { MailboxHub } from "./hub/mailbox-hub.ts";

export { MailboxHub };
/** Local runs only: the namespace standing in for Durable Object jurisdictions, which workerd does not
 * implement (cloudflare-platform.ts). wrangler.toml binds no namespace to it, so it is never deployed. */
export class LocalJurisdictionHub extends MailboxHub {}
export { cloudflarePlatform };
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
  // Only what an older release put on the queue: deliveries are made by their user's hub now.
  // Those deliveries name no region: they were queued before hubs had one, so their hubs are the
  // default region's namespace.
  const region = platform.config.config.directoryRegion;
  const options = webhookOptions(platform.config.config, platform.fetch, {
    stillWanted: async (d) => platform.hub(d.userId, region).webhookWanted(d.webhookId, d.url),
    // The endpoint said 410 Gone (or its URL is no longer allowed): its owner's hub removes it.
    onGone: async (d, reason) => {
      log.warn("webhook: endpoint gone; removing it", { webhookId: d.webhookId, userId: d.userId, reason });
      await platform.hub(d.userId, region).removeWebhook(d.webhookId, null);
    },
  });
  await consumeWebhooks(messages, options);
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
