// POST /api/v1/account/password {currentPassword, newPassword} (password sessions only, scopes.ts).
// The user's core checks the current password and stores the new one; then the user's Durable
// Object signs out every other session, revokes every API key and removes every webhook, closing
// their open connections, as Google does on a password change: whoever held the old password, or
// something made with it, is out. The session that made the change stays signed in.
import { Hono } from "hono";
import { PasswordChange } from "../../../shared/api.ts";
import { jsonBody } from "../validate.ts";

export const passwordRoutes = new Hono().post("/account/password", async (c) => {
  const input = await jsonBody(c, PasswordChange);
  const user = c.get("user");
  await c.get("core").json(user.rgn, "POST", `/internal/v1/users/${user.sub}/password`, input);
  await c.get("platform").hub(user.sub).revokeCredentials("password.changed", "user", user.sid);
  return c.body(null, 204);
});
