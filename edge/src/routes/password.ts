// POST /api/v1/account/password {currentPassword, newPassword} (password sessions only, scopes.ts).
// The user's core checks the current password and stores the new one; then the user's Durable
// Object signs out every other session, revokes every API key and removes every webhook, closing
// their open connections, as Google does on a password change: whoever held the old password, or
// something made with it, is out. The session that made the change stays signed in.
// A wrong current password (403 from the core) counts against the session: a stolen token must not
// become a way to guess the password, so after a few the session is signed out.
import { Hono } from "hono";
import { PasswordChange } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { MAX_PASSWORD_FAILURES } from "../platform.ts";
import { jsonBody } from "../validate.ts";

export const passwordRoutes = new Hono().post("/account/password", async (c) => {
  const input = await jsonBody(c, PasswordChange);
  const user = c.get("user");
  const hub = c.get("platform").hub(user.sub, user.rgn);
  try {
    await c.get("core").read(user.rgn, coreApi.changePassword, { params: { userId: user.sub }, body: input });
  } catch (err) {
    if (err instanceof ProblemError && err.status === 403 && (await hub.wrongCurrentPassword(user.sid))) {
      throw new ProblemError("forbidden", `The current password was wrong ${MAX_PASSWORD_FAILURES} times: this session is signed out. Sign in again.`, {
        errors: [{ field: "currentPassword", message: "is not this account's password" }],
      });
    }
    throw err;
  }
  await hub.revokeCredentials("password.changed", "user", user.sid);
  return c.body(null, 204);
});
