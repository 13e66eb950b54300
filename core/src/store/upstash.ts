// The region's Redis, reached through the Upstash REST protocol (@upstash/redis): one HTTPS request per
// command or pipeline, no connection to keep, as the design card names it. UPSTASH_REDIS_REST_URL and
// UPSTASH_REDIS_REST_TOKEN, Upstash's own names; `npm start` runs redis-server with our REST front
// (local-upstash.ts) and sets both. The cores share the nonces of signed requests here
// (redis-nonces.ts) and the login counts (auth/redis-login-throttle.ts).
import { Redis } from "@upstash/redis";

export interface UpstashConfig {
  url: string;
  token: string;
}

/** A request that takes longer counts as an outage: the signed request gets its 503 in time for the
 * edge to retry, and a login falls back on this core's own counts rather than hang. */
export const REDIS_TIMEOUT_MS = 2_000;

export function openUpstash(c: UpstashConfig): Redis {
  return new Redis({
    url: c.url,
    token: c.token,
    // A signal made per request: the client throws when it fires (a fixed AbortSignal would instead
    // be read as a result "Aborted").
    signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),
    // One retry after a failed connection (a restarting front, a dropped keep-alive socket); not the
    // default five with backoff up to seconds: the caller has a fallback or an answer of its own.
    retry: { retries: 1, backoff: () => 50 },
    // Each call is one request of its own; results are taken as Redis gave them.
    enableAutoPipelining: false,
    automaticDeserialization: false,
    readYourWrites: false,
    enableTelemetry: false,
  });
}
