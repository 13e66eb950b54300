// POST /internal/v1/users/:userId/password {currentPassword, newPassword}: the edge's password
// change. The core holds the directory, so it checks the current password and stores the new one;
// the edge then revokes every other credential of the user (its own storage).
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { verifyPassword } from "../../../../shared/password.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { setUserPassword } from "../../mailbox/accounts.ts";
import type { Directory } from "../../store/directory.ts";
import { answer, serve } from "../serve.ts";
import { parseBody } from "../validate.ts";

export function passwordRoutes(deps: { directory: Directory }): Hono {
  const app = new Hono();
  serve(app, coreApi.changePassword, async (c) => {
    const { currentPassword, newPassword } = parseBody(c, coreApi.changePassword);
    const user = c.get("user");
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new ProblemError("forbidden", "The current password is wrong; the password was not changed.", {
        errors: [{ field: "currentPassword", message: "is not this account's password" }],
      });
    }
    await setUserPassword(deps.directory, user, newPassword);
    return answer(c, coreApi.changePassword, { changed: true });
  });
  return app;
}
