// Rate limits at the edge, through Platform.rateLimit (the Workers rate-limit binding). Every limited
// answer names its policies (RateLimit-Policy, IETF httpapi rate-limit headers draft); past a limit
// the answer is a 429 problem with Retry-After.
// When the limiter itself cannot be asked, the two kinds of limit fail differently. The per-user and
// per-key limits protect capacity against a client that already holds a credential: an outage of the
// limiter must not take mail down for everyone, so those requests pass (and it is logged). The login
// limit is what stands between the internet and password guessing: without it, logins are refused
// (503, Retry-After) until the limiter answers again — as a lock that cannot check a key stays shut.
import type { Context, Next } from "hono";
import { createMiddleware } from "hono/factory";
import { clientNetwork } from "../../../shared/ip-ranges.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { rateLimits, type RateLimitKind } from "../rate-limits.ts";

/** Seconds a client is asked to wait when logins are refused because the limiter cannot be asked. */
const LOGIN_PAUSE_SECONDS = 30;

type OnLimiterFailure = "let through" | "refuse";

export function policyHeader(kind: RateLimitKind): string {
  const { limit, period } = rateLimits[kind];
  return `"${kind}";q=${limit};w=${period}`;
}

async function allowed(c: Context, kind: RateLimitKind, key: string, onFailure: OnLimiterFailure): Promise<boolean> {
  try {
    return await c.get("platform").rateLimit(kind, key);
  } catch (err) {
    if (onFailure === "let through") {
      c.get("log").warn("edge: rate limiter failed; request let through", { kind, err });
      return true;
    }
    c.get("log").error("edge: rate limiter failed; request refused", { kind, err });
    throw new ProblemError("unavailable", `Signing in is paused for a moment: the ${kind} rate limit cannot be checked right now. Try again in ${LOGIN_PAUSE_SECONDS} seconds.`, {
      headers: { "retry-after": String(LOGIN_PAUSE_SECONDS) },
    });
  }
}

/** Counts the request against each limit in turn; the first one exhausted answers 429. */
async function enforce(c: Context, next: Next, checks: ReadonlyArray<readonly [RateLimitKind, string]>, onFailure: OnLimiterFailure): Promise<void> {
  const policies = checks.map(([kind]) => policyHeader(kind)).join(", ");
  for (const [kind, key] of checks) {
    if (await allowed(c, kind, key, onFailure)) continue;
    // The binding tells only yes or no: a whole period is the longest a client may have to wait.
    const { limit, period } = rateLimits[kind];
    throw new ProblemError("tooManyRequests", `More than ${limit} requests in ${period} seconds (${kind} limit); try again in ${period} seconds.`, {
      headers: { "retry-after": String(period), "ratelimit-policy": policies, ratelimit: `"${kind}";r=0;t=${period}` },
    });
  }
  await next();
  c.header("ratelimit-policy", policies);
}

/** Login attempts per client (Platform.clientAddress: what the client cannot choose). A
 * runtime that cannot tell the address gets no logins rather than one budget shared by everyone,
 * which one guesser would spend for all. */
export const limitLogin = createMiddleware((c, next) => {
  const address = c.get("platform").clientAddress(c);
  if (address === null) {
    c.get("log").error("edge: the runtime gives no client address; login refused");
    throw new ProblemError("unavailable", "Signing in is not possible here: this server cannot tell the client's address, which the login limit needs.");
  }
  // Counted as the core counts failed logins: an IPv6 client by its /64, which it holds whole.
  return enforce(c, next, [["login", clientNetwork(address) ?? address]], "refuse");
});

/** After authentication: an API key's own limit first (a runaway key does not spend its user's budget), then the user's. */
export const limitPrincipal = createMiddleware((c, next) => {
  const principal = c.get("principal");
  const user = ["user", principal.userId] as const;
  return enforce(c, next, principal.kind === "apiKey" ? [["key", principal.id], user] : [user], "let through");
});
