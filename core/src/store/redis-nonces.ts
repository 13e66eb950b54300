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

  /** Throws when Redis cannot answer (the caller refuses the request with 503). The value is this
   * call's own: the client retries a request whose connection failed, and should the first attempt
   * have set the key before its answer was lost, the retry finds it taken; a GET then tells our own
   * write (accepted) from another core's (a replay). Only a refusal costs the second round trip. */
  async accept(nonce: string, expiresAt: number): Promise<boolean> {
    const mine = crypto.randomUUID();
    if ((await this.#redis.set(PREFIX + nonce, mine, { nx: true, pxat: expiresAt })) === "OK") return true;
    return (await this.#redis.get<string>(PREFIX + nonce)) === mine;
  }

  close(): void {}
}
