// POST /api/v1/auth/login: the directory's core checks the password; the edge issues the token.
import { Hono } from "hono";
import { LoginRequest, type LoginResponse, type UserIdentity } from "../../../shared/api.ts";
import { issueToken } from "../token.ts";
import { jsonBody } from "../validate.ts";

export const authRoutes = new Hono().post("/login", async (c) => {
  const credentials = await jsonBody(c, LoginRequest);
  const config = c.get("config");
  const user = await c.get("core").json<UserIdentity>(config.directoryRegion, "POST", "/internal/v1/auth/login", credentials);
  const body: LoginResponse = {
    token: await issueToken(user, config.tokenSecret, config.tokenTtlSeconds),
    tokenType: "Bearer",
    expiresIn: config.tokenTtlSeconds,
    user,
  };
  c.header("cache-control", "no-store");
  return c.json(body);
});
