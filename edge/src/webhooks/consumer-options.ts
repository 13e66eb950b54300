// How deliveries reach endpoints, wherever they are made (the user's hub, or the queue's consumer
// draining what an older release put on the webhooks queue): the URL policy of the config, and on a
// deployed edge every host checked against special-purpose addresses just before the request.
import type { EdgeConfig } from "../config.ts";
import type { WebhookConsumerOptions } from "./delivery.ts";
import { dohResolver } from "./doh-resolver.ts";
import { checkedWebhookFetch } from "./target-check.ts";

export function webhookOptions(config: EdgeConfig, fetcher: typeof fetch, owner: Pick<WebhookConsumerOptions, "stillWanted" | "onGone">): WebhookConsumerOptions {
  const { webhookAllowPrivate, webhookDnsUrl } = config;
  return {
    // Workers' fetch resolves names itself: the host's addresses are checked just before, not pinned.
    fetch: webhookAllowPrivate ? fetcher : checkedWebhookFetch(fetcher, dohResolver(webhookDnsUrl, fetcher)),
    allowPrivate: webhookAllowPrivate,
    ...owner,
  };
}
