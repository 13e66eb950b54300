// The nonces of signed internal requests in the region's Redis (UPSTASH_REDIS_REST_URL): one SET … NX
// with an absolute expiry per nonce, one round trip. The first core to set a nonce gets "OK"; every
// later one gets nothing and refuses the request as a replay. Redis drops the key when the signature
// window ends, so nothing needs sweeping.
import type { Redis } from "@upstash/redis";
import type { ReplayNonceStore } from "./replay-nonces.ts";

const PREFIX = "edgemail:nonce:";

export class RedisReplayNonces implements ReplayNonceStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Throws when Redis cannot answer (the caller refuses the request with 503). */
  async accept(nonce: string, expiresAt: number): Promise<boolean> {
    const set = await this.#redis.set(PREFIX + nonce, "1", { nx: true, pxat: expiresAt });
    return set === "OK";
  }

  close(): void {}
}
