// What the app needs from the runtime, behind plain interfaces. index.ts builds it from Cloudflare
// bindings; another runtime (Deno, Node) would build it from its own storage and queue clients.
import type { Context } from "hono";
import type { ConfigResult } from "./config.ts";
import type { MailboxHub } from "./hub/mailbox-hub.ts";
import type { OutgoingMessage } from "./queue-messages.ts";
import type { WebhookDelivery } from "./webhooks/delivery.ts";
import type { RateLimitKind } from "./rate-limits.ts";

export interface BlobRange {
  offset: number;
  length: number;
}

export interface BlobObject {
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface BlobBucket {
  get(key: string, range?: BlobRange): Promise<BlobObject | null>;
  getText(key: string): Promise<string | null>;
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** Removes an object; one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Streams `length` bytes into storage under their SHA-256 (stored once however often uploaded). */
  putContentAddressed(body: ReadableStream<Uint8Array>, length: number, contentType: string): Promise<{ sha256: string; size: number }>;
}

export interface Platform {
  config: ConfigResult;
  blobs: BlobBucket;
  fetch: typeof fetch;
  /** Resolves once the queue holds the message durably; with `delaySeconds`, the queue offers it to
   * its consumer only that much later (a held send). */
  sendOutgoing(message: OutgoingMessage, options?: { delaySeconds?: number }): Promise<void>;
  /** The user's Durable Object (realtime events, inbox head, sessions and API keys). */
  hub(userId: string): Hub;
  /** Resolves once the queue holds every delivery durably. */
  enqueueWebhooks(deliveries: WebhookDelivery[]): Promise<void>;
  /** Counts one request against `key` under the limit of `kind`: true while within it. Rejects when the limiter cannot be asked. */
  rateLimit(kind: RateLimitKind, key: string): Promise<boolean>;
  /** The address of the client that sent the request, as the runtime knows it (null: it cannot
   * tell). What limits and records logins: it must be what no client can choose. On Cloudflare that
   * is `cf-connecting-ip`, which Cloudflare sets and overwrites when a client sent its own. A runtime
   * not behind Cloudflare takes its connection's address (@hono/node-server:
   * `c.env.incoming.socket.remoteAddress`; Deno.serve: `info.remoteAddr`), never a request header
   * such as X-Forwarded-For or CF-Connecting-IP, which any client can write. */
  clientAddress(c: Context): string | null;
}

export type Hub = DurableObjectStub<MailboxHub>;
