// The Worker's bindings (wrangler.toml: vars, secrets, R2, queues, rate limiters). Declared once, also
// as Cloudflare.Env so that `env` from "cloudflare:workers"/"cloudflare:test" is typed the same.
import type { Hub } from "./platform.ts";
import type { OutgoingMessage } from "./queue-messages.ts";

export interface Env {
  /** The default region's blobs; a region in REGION_BUCKETS has a binding of its own (BLOBS_EU…). */
  BLOBS: R2Bucket;
  /** Its objects are hub/mailbox-hub.ts's MailboxHub, named by the interface they implement. */
  MAILBOX_HUB: DurableObjectNamespace<Hub & Rpc.DurableObjectBranded>;
  /** Local runs only (workerd implements no jurisdictions): the namespace that stands in for every
   * jurisdiction of REGION_JURISDICTIONS, kept apart from MAILBOX_HUB's storage. Never deployed. */
  LOCAL_JURISDICTION_HUB?: DurableObjectNamespace<Hub & Rpc.DurableObjectBranded>;
  REGION_JURISDICTIONS?: string;
  REGION_BUCKETS?: string;
  OUTGOING_ERRORS: Queue<OutgoingMessage & { reason: string }>;
  /** Logins per client, as in rate-limits.ts. */
  LOGIN_LIMITER: RateLimit;
  MAX_MESSAGE_BYTES: string;
  CORE_URLS: string;
  DIRECTORY_REGION: string;
  TOKEN_TTL_SECONDS: string;
  TOKEN_SECRET: string;
  INTERNAL_SIGNING_SECRET: string;
  WEBHOOK_ALLOW_PRIVATE: string;
  /** Unset: Cloudflare's DNS-over-HTTPS resolver. */
  WEBHOOK_DNS_URL?: string;
}

declare global {
  namespace Cloudflare {
    interface Env extends EdgeEnv {}
  }
}

type EdgeEnv = Env;
