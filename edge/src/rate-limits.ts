// The edge's rate limits, in one place. Logins are counted by wrangler.toml's [[ratelimits]] binding
// (edge/src/rate-limits.node.test.ts keeps the two equal); requests per user and per API key by the
// user's Durable Object (hub/request-limits.ts), in the call that checks the credential. The middleware
// announces them in RateLimit-Policy headers and the OpenAPI document describes them.
export const rateLimits = {
  /** Login attempts per client IP: slows password guessing without locking the account's owner out. */
  login: { binding: "LOGIN_LIMITER", limit: 10, period: 60 },
  /** Requests per signed-in user, however they authenticate: protects the user's home core. */
  user: { limit: 600, period: 60 },
  /** Requests per API key: one runaway integration cannot use up its user's whole budget. */
  key: { limit: 300, period: 60 },
} as const satisfies Record<string, { binding?: string; limit: number; period: number }>;

export type RateLimitKind = keyof typeof rateLimits;
/** The limits a Workers rate-limit binding counts. */
export type BindingLimitKind = "login";
