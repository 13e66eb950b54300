// The user's settings, kept by the service in their hub so every device and tab sees the same:
// GET /settings (mail.read), PATCH /settings with the fields to change (mail.manage; the trusted
// senders are replaced whole), POST /settings/trusted-senders to add one sender without rewriting the
// list, so two tabs adding at once do not undo each other. Each answers the whole settings.
import { Hono } from "hono";
import { SettingsPatch, TrustedSenderAdd } from "../../../shared/api.ts";
import { limits } from "../../../shared/limits.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { jsonBody } from "../validate.ts";

export const settingsRoutes = new Hono()
  .get("/settings", async (c) => c.json(await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).settings()))
  .patch("/settings", async (c) => {
    const patch = await jsonBody(c, SettingsPatch);
    return c.json(await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).updateSettings(patch));
  })
  .post("/settings/trusted-senders", async (c) => {
    const { address } = await jsonBody(c, TrustedSenderAdd);
    const settings = await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).trustSender(address);
    if (settings === null) {
      throw new ProblemError("conflict", `At most ${limits.maxTrustedSenders} trusted senders: remove some with PATCH /api/v1/settings first.`);
    }
    return c.json(settings);
  });
