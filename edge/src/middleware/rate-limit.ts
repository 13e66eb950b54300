// Rate limits at the edge. Every limited answer names its policies (RateLimit-Policy, IETF httpapi
// rate-limit headers draft); past a limit the answer is a 429 problem with Retry-After.
// Logins are counted per client by the Workers rate-limit binding (Platform.rateLimit). It is what
// stands between the internet and password guessing: when it cannot be asked, logins are refused (503,
// Retry-After) until it answers again — as a lock that cannot check a key stays shut.
// Requests per user and per API key are counted by the user's hub in the call that checks the
// credential (hub/request-limits.ts; the auth middleware puts its verdict in the context); a hub that
// cannot be asked fails the credential check itself.
import { createMiddleware } from "hono/factory";
import { clientNetwork } from "../../../shared/ip-ranges.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { rateLimits, type RateLimitKind } from "../rate-limits.ts";

/** Seconds a client is asked to wait when logins are refused because the limiter cannot be asked. */
const LOGIN_PAUSE_SECONDS = 30;

export function policyHeader(kind: RateLimitKind): string {
  const { limit, period } = rateLimits[kind];
  return `"${kind}";q=${limit};w=${period}`;
}

function tooMany(kind: RateLimitKind, retryAfterSeconds: number, policies: string): ProblemError {
  const { limit, period } = rateLimits[kind];
  return new ProblemError("tooManyRequests", `More than ${limit} requests in ${period} seconds (${kind} limit); try again in ${retryAfterSeconds} seconds.`, {
    headers: { "retry-after": String(retryAfterSeconds), "ratelimit-policy": policies, ratelimit: `"${kind}";r=0;t=${retryAfterSeconds}` },
  });
}

/** Login attempts per client (Platform.clientAddress: what the client cannot choose). A
 * runtime that cannot tell the address gets no logins rather than one budget shared by everyone,
 * which one guesser would spend for all. */
export const limitLogin = createMiddleware(async (c, next) => {
  const address = c.get("platform").clientAddress(c);
  if (address === null) {
    c.get("log").error("edge: the runtime gives no client address; login refused");
    throw new ProblemError("unavailable", "Signing in is not possible here: this server cannot tell the client's address, which the login limit needs.");
  }
  const policies = policyHeader("login");
  let allowed: boolean;
  try {
    // Counted as the core counts failed logins: an IPv6 client by its /64, which it holds whole.
    allowed = await c.get("platform").rateLimit("login", clientNetwork(address) ?? address);
  } catch (err) {
    c.get("log").error("edge: rate limiter failed; request refused", { kind: "login", err });
    throw new ProblemError("unavailable", `Signing in is paused for a moment: the login rate limit cannot be checked right now. Try again in ${LOGIN_PAUSE_SECONDS} seconds.`, {
      headers: { "retry-after": String(LOGIN_PAUSE_SECONDS) },
    });
  }
  // The binding tells only yes or no: a whole period is the longest a client may have to wait.
  if (!allowed) throw tooMany("login", rateLimits.login.period, policies);
  await next();
  c.header("ratelimit-policy", policies);
});

/** After authentication: the hub's verdict on the user's and, for an API key, the key's own limit. */
export const limitPrincipal = createMiddleware(async (c, next) => {
  const kinds: RateLimitKind[] = c.get("principal").kind === "apiKey" ? ["key", "user"] : ["user"];
  const policies = kinds.map(policyHeader).join(", ");
  const limited = c.get("limited");
  if (limited) throw tooMany(limited.kind, limited.retryAfterSeconds, policies);
  await next();
  c.header("ratelimit-policy", policies);
});
