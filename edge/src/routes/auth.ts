// POST /api/v1/auth/login: the user's home core checks the password (told the client's address, so it
// can limit failed logins per address as well as per account); the edge opens a session in the
// user's Durable Object (which also records where the login came from and flags a new country or
// network) and issues the token. The client's address is Platform.clientAddress, never a header a
// client could choose (limitLogin has refused the login when it is unknown). POST /api/v1/auth/logout
// revokes it (or, with ?all=true, every session of the user); open event connections of those sessions
// are closed.
import { Hono } from "hono";
import { LoginRequest, type LoginResponse } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { toBase64Url } from "../../../shared/encoding.ts";
import { addressPointer } from "../../../shared/address-pointer.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import type { EdgeConfig } from "../config.ts";
import type { CoreClient } from "../core-client.ts";
import { ProblemError } from "../../../shared/problem.ts";
import type { LoginOrigin } from "../hub-types.ts";
import { requireUser } from "../middleware/auth.ts";
import { issueToken } from "../token.ts";
import { jsonBody } from "../validate.ts";

function origin(req: Request, ip: string): LoginOrigin {
  const cf = (req as Request & { cf?: IncomingRequestCfProperties }).cf;
  const header = (name: string) => req.headers.get(name)?.slice(0, 300) ?? null;
  return {
    ip,
    country: typeof cf?.country === "string" ? cf.country : null,
    asn: typeof cf?.asn === "number" ? cf.asn : null,
    network: typeof cf?.asOrganization === "string" ? cf.asOrganization : null,
    userAgent: header("user-agent"),
  };
}

/** The region whose core checks this address's password: with several regions, its home, which the
 * global directory knows by the address's pointer (the address itself is sent only to its home). An
 * address homed nowhere goes to the default region, which refuses it like any wrong login. Every
 * region's core reads the (replicated) global directory, so when the default region's core cannot
 * answer the others are asked in turn: one region down must not stop every other region's logins. */
async function homeRegion(core: CoreClient, config: EdgeConfig, address: string): Promise<string> {
  const regions = Object.keys(config.coreUrls);
  const normalized = normalizeAddress(address);
  if (regions.length === 1 || !normalized) return config.directoryRegion;
  const pointer = await addressPointer(config.internalSigningSecret, normalized);
  let unavailable: unknown;
  for (const asked of [config.directoryRegion, ...regions.filter((r) => r !== config.directoryRegion)]) {
    let home;
    try {
      home = await core.read(asked, coreApi.home, { params: { pointer } });
    } catch (err) {
      if (err instanceof ProblemError && err.problem.status === 404) return config.directoryRegion;
      if (err instanceof ProblemError && err.problem.status >= 500) {
        unavailable = err;
        continue;
      }
      throw err;
    }
    if (home.moving) throw new ProblemError("unavailable", "This mailbox is being moved to another region; sign in again in a few minutes.", { headers: { "retry-after": "60" } });
    return home.region;
  }
  throw unavailable;
}

export const authRoutes = new Hono()
  .post("/login", async (c) => {
    const credentials = await jsonBody(c, LoginRequest);
    const config = c.get("config");
    // Set: limitLogin refused the request otherwise.
    const ip = c.get("platform").clientAddress(c)!;
    const user = await c.get("core").read(await homeRegion(c.get("core"), config, credentials.address), coreApi.login, { params: {}, body: { ...credentials, ip } });
    const sessionId = toBase64Url(crypto.getRandomValues(new Uint8Array(18)));
    const now = Date.now();
    await c.get("platform").hub(user.id, user.region).recordLogin(user.id, user.region, user.address, sessionId, now + config.tokenTtlSeconds * 1000, origin(c.req.raw, ip));
    const body: LoginResponse = {
      token: await issueToken(user, sessionId, config.tokenSecret, config.tokenTtlSeconds, now),
      tokenType: "Bearer",
      expiresIn: config.tokenTtlSeconds,
      user,
    };
    c.header("cache-control", "no-store");
    return c.json(body);
  })
  .post("/logout", requireUser, async (c) => {
    const all = c.req.query("all");
    if (all !== undefined && all !== "true" && all !== "false") {
      throw new ProblemError("validation", "all must be true or false.", { errors: [{ field: "query.all", message: "must be true or false" }] });
    }
    const { sub, sid, rgn } = c.get("user");
    await c.get("platform").hub(sub, rgn).revokeSessions(all === "true" ? null : sid);
    return c.body(null, 204);
  });
