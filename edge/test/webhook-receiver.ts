// The tests' webhook endpoint: a real HTTP server on loopback that global-webhook-receiver.ts starts
// in Node. Each test uses its own first path segment (a key) and picks a behaviour with the second:
//   POST /<key>/ok            200
//   POST /<key>/fail-<n>      500 for the first n requests to this path, then 200
//   POST /<key>/gone          410
//   POST /<key>/slow-<ms>     200 after <ms> milliseconds
//   POST /<key>/redirect      302 to /<key>/ok
//   GET  /_received/<key>     the POSTs under /<key>/ so far, oldest first (ReceivedRequest[])
import { inject } from "vitest";

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() in the receiver when the request's body had arrived. */
  at: number;
}

declare module "vitest" {
  interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}

/** A fresh key's URL for `behaviour`, e.g. endpoint("ok"). */
export function endpoint(behaviour: string, key = crypto.randomUUID()): { url: string; key: string } {
  return { url: `${inject("webhookReceiverUrl")}/${key}/${behaviour}`, key };
}

export async function received(key: string): Promise<ReceivedRequest[]> {
  const res = await fetch(`${inject("webhookReceiverUrl")}/_received/${key}`);
  if (!res.ok) throw new Error(`webhook receiver answered ${res.status}`);
  return (await res.json()) as ReceivedRequest[];
}
