// Integrators' webhooks (scope `events`): POST /webhooks → 201 with the signing secret, shown this
// once; GET /webhooks; DELETE /webhooks/:id. Deliveries are signed per Standard Webhooks and retried
// with backoff by the webhooks queue (edge/src/webhooks/), never in the way of mail.
// A webhook belongs to who made it: an API key lists and deletes only its own (another's is 404, as
// if it did not exist) and its webhooks go when it is revoked; a password session sees all of the
// user's. Deliveries carry what messages say only when their maker may read mail (hub/webhooks.ts).
import { Hono, type Context } from "hono";
import { WebhookCreate } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import type { WebhookMaker } from "../hub-types.ts";
import { jsonBody } from "../validate.ts";
import { dohResolver } from "../webhooks/doh-resolver.ts";
import { checkTarget } from "../webhooks/target-check.ts";
import { webhookUrls } from "../webhooks/url-policy.ts";

/** The calling API key's id, or null for a password session (which acts for the user). */
function callingKey(c: Context): string | null {
  const principal = c.get("principal");
  return principal.kind === "apiKey" ? principal.id : null;
}

export const webhookRoutes = new Hono()
  .post("/webhooks", async (c) => {
    const input = await jsonBody(c, WebhookCreate);
    const config = c.get("config");
    const problem = await checkTarget(input.url, webhookUrls, config.webhookAllowPrivate, dohResolver(config.webhookDnsUrl, c.get("platform").fetch));
    if (problem) throw new ProblemError("validation", `The webhook URL is not allowed: ${problem}.`, { errors: [{ field: "url", message: problem }] });
    const user = c.get("user");
    const key = callingKey(c);
    const maker: WebhookMaker = key === null ? { kind: "user" } : { kind: "apiKey", id: key };
    const created = await c.get("platform").hub(user.sub, user.rgn).createWebhook(user.sub, user.rgn, input, maker);
    if ("refused" in created) throw new ProblemError("conflict", `No more webhooks: ${created.refused}.`);
    return c.json(created, 201, { location: `/api/v1/webhooks/${created.id}` });
  })
  .get("/webhooks", async (c) => c.json({ webhooks: await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).listWebhooks(callingKey(c)) }))
  .delete("/webhooks/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).removeWebhook(id, callingKey(c)))) throw new ProblemError("notFound", `No webhook ${id}.`);
    return c.body(null, 204);
  });
