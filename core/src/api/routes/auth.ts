// Password check for the edge's login: the directory is the core's, so the core verifies the
// password (through the same check and limits as SMTP submission: auth/password-login.ts) and tells
// the edge who the user is and where they live. The edge issues the token.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { PasswordLogin } from "../../auth/password-login.ts";
import { answer, serve } from "../serve.ts";
import { parseBody } from "../validate.ts";

export function authRoutes(deps: { logins: PasswordLogin }): Hono {
  const app = new Hono();
  serve(app, coreApi.login, async (c) => {
    const { address, password, ip } = parseBody(c, coreApi.login);
    const outcome = await deps.logins.attempt({ address, password, ip, protocol: "login" });
    if (outcome.kind === "throttled") {
      const seconds = outcome.retryAfterSeconds;
      throw new ProblemError("tooManyRequests", `Too many failed sign-ins: try again in ${seconds} second${seconds === 1 ? "" : "s"}.`, { headers: { "retry-after": String(seconds) } });
    }
    if (outcome.kind === "wrong") throw new ProblemError("unauthorized", "Wrong address or password.");
    return answer(c, coreApi.login, { id: outcome.user.id, address: outcome.user.address, region: outcome.user.region });
  });
  return app;
}
