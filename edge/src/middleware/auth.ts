// Bearer-token authentication for every /api/v1 route except login.
import { createMiddleware } from "hono/factory";
import { allScopes } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { readToken } from "../token.ts";

const CHALLENGE = { "www-authenticate": 'Bearer realm="edgemail"' };

export const requireUser = createMiddleware(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null;
  if (!match) {
    throw new ProblemError("unauthorized", "Sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/login.", {
      headers: CHALLENGE,
    });
  }
  const claims = await readToken(match[1]!, c.get("config").tokenSecret);
  if (!claims) {
    throw new ProblemError("unauthorized", "The token is invalid or has expired; sign in again.", {
      headers: { "www-authenticate": 'Bearer realm="edgemail", error="invalid_token"' },
    });
  }
  c.set("user", claims);
  // A password session may do everything (API keys come with their own scopes).
  c.set("principal", { kind: "session", userId: claims.sub, id: "session", scopes: allScopes });
  await next();
});
