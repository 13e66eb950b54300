// Rate limits at the edge, through Platform.rateLimit (the Workers rate-limit binding). Every limited
// answer names its policies (RateLimit-Policy, IETF httpapi rate-limit headers draft); past a limit
// the answer is a 429 problem with Retry-After. A limiter that fails lets the request through: an
// outage of the limiter must not take mail down.
import type { Context, Next } from "hono";
import { createMiddleware } from "hono/factory";
import { ProblemError } from "../../../shared/problem.ts";
import { rateLimits, type RateLimitKind } from "../rate-limits.ts";

export function policyHeader(kind: RateLimitKind): string {
  const { limit, period } = rateLimits[kind];
  return `"${kind}";q=${limit};w=${period}`;
}

async function allowed(c: Context, kind: RateLimitKind, key: string): Promise<boolean> {
  try {
    return await c.get("platform").rateLimit(kind, key);
  } catch (err) {
    console.warn(JSON.stringify({ level: "warn", msg: "edge: rate limiter failed; request let through", kind, requestId: c.get("requestId"), err: String(err) }));
    return true;
  }
}

/** Counts the request against each limit in turn; the first one exhausted answers 429. */
async function enforce(c: Context, next: Next, checks: ReadonlyArray<readonly [RateLimitKind, string]>): Promise<void> {
  const policies = checks.map(([kind]) => policyHeader(kind)).join(", ");
  for (const [kind, key] of checks) {
    if (await allowed(c, kind, key)) continue;
    // The binding tells only yes or no: a whole period is the longest a client may have to wait.
    const { limit, period } = rateLimits[kind];
    throw new ProblemError("tooManyRequests", `More than ${limit} requests in ${period} seconds (${kind} limit); try again in ${period} seconds.`, {
      headers: { "retry-after": String(period), "ratelimit-policy": policies, ratelimit: `"${kind}";r=0;t=${period}` },
    });
  }
  await next();
  c.header("ratelimit-policy", policies);
}

/** Login attempts per client IP (Cloudflare's `cf-connecting-ip`; without it, all share one budget). */
export const limitLogin = createMiddleware((c, next) => enforce(c, next, [["login", c.req.header("cf-connecting-ip") ?? "unknown"]]));

/** After authentication: an API key's own limit first (a runaway key does not spend its user's budget), then the user's. */
export const limitPrincipal = createMiddleware((c, next) => {
  const principal = c.get("principal");
  const user = ["user", principal.userId] as const;
  return enforce(c, next, principal.kind === "apiKey" ? [["key", principal.id], user] : [user]);
});
