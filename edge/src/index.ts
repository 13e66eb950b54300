// The Worker entry: the runtime-neutral app, the queue consumers and the per-user Durable Object,
// given Cloudflare's bindings.
import { createApp } from "./app.ts";
import { cloudflarePlatform } from "./cloudflare-platform.ts";
import type { Env } from "./env.ts";
import { consumeOutgoing, consumeOutgoingErrors, type QueuedMessage } from "./queue/consumers.ts";
import type { OutgoingMessage } from "./queue/outgoing-message.ts";

export { MailboxHub } from "./hub/mailbox-hub.ts";
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
