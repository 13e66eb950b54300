// DELETE /api/v1/outbox/{id}: "undo send" for a message sent with `holdSeconds` (routes/send.ts). The
// user's hub decides, atomically against the queue consumer's claim: still held → cancelled (again
// cancelled when asked twice); claimed → 409, it is on its way. An id this user holds no send of —
// another user's too — is 404.
import { Hono } from "hono";
import type { SendCancelled } from "../../../shared/api.ts";
import { Id } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";

export const outboxRoutes = new Hono().delete("/outbox/:id", async (c) => {
  const id = c.req.param("id");
  const user = c.get("user");
  const state = Id.safeParse(id).success ? await c.get("platform").hub(user.sub).cancelHeldSend(id) : null;
  if (state === null) {
    throw new ProblemError("notFound", `No held send ${id}: only a message sent with holdSeconds can be cancelled, by its sender, within its hold.`);
  }
  if (state === "sent") throw new ProblemError("conflict", `Already sent: the hold of ${id} was over and the message is on its way.`);
  const cancelled: SendCancelled = { id, status: "cancelled" };
  return c.json(cancelled);
});
