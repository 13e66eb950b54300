// The edge's rate limits, in one place. wrangler.toml's [[ratelimits]] bindings enforce these numbers
// (edge/src/rate-limits.node.test.ts keeps the two equal); the middleware announces them in
// RateLimit-Policy headers and the OpenAPI document describes them.
export const rateLimits = {
  /** Login attempts per client IP: slows password guessing without locking the account's owner out. */
  login: { binding: "LOGIN_LIMITER", limit: 10, period: 60 },
  /** Requests per signed-in user, however they authenticate: protects the user's home core. */
  user: { binding: "USER_LIMITER", limit: 600, period: 60 },
  /** Requests per API key: one runaway integration cannot use up its user's whole budget. */
  key: { binding: "KEY_LIMITER", limit: 300, period: 60 },
} as const satisfies Record<string, { binding: string; limit: number; period: 10 | 60 }>;

export type RateLimitKind = keyof typeof rateLimits;
export type RateLimitBinding = (typeof rateLimits)[RateLimitKind]["binding"];
