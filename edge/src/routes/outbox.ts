// DELETE /api/v1/outbox/{id}: "undo send" for a message sent with `holdSeconds` (routes/send.ts). The
// user's hub decides, atomically against the queue consumer's claim: still held → cancelled (again
// cancelled when asked twice); claimed → 409, it is on its way. An id this user holds no send of —
// another user's too — is 404. A cancelled send gives its recipients back to the day's quota (the
// core counted them at the reservation), once: the hub says so only to the cancel that changed it.
// Should the core not answer, the quota stays spent (the safe side) and it is logged.
import { Hono } from "hono";
import type { SendCancelled } from "../../../shared/api.ts";
import { Id } from "../../../shared/api.ts";
import { coreApi } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";

export const outboxRoutes = new Hono().delete("/outbox/:id", async (c) => {
  const id = c.req.param("id");
  const user = c.get("user");
  const cancel = Id.safeParse(id).success ? await c.get("platform").hub(user.sub, user.rgn).cancelHeldSend(id) : null;
  if (cancel === null) {
    throw new ProblemError("notFound", `No held send ${id}: only a message sent with holdSeconds can be cancelled, by its sender, within its hold.`);
  }
  if (cancel.state === "sent") throw new ProblemError("conflict", `Already sent: the hold of ${id} was over and the message is on its way.`);
  if (cancel.release > 0) {
    try {
      await c.get("core").read(user.rgn, coreApi.releaseSend, { params: { userId: user.sub, id }, body: { recipients: cancel.release } });
    } catch (err) {
      c.get("log").warn("edge: a cancelled send's quota could not be given back", { messageId: id, recipients: cancel.release, err });
    }
  }
  const cancelled: SendCancelled = { id, status: "cancelled" };
  return c.json(cancelled);
});
