// Integrators' webhooks (scope `events`): POST /webhooks → 201 with the signing secret, shown this
// once; GET /webhooks; DELETE /webhooks/:id. Deliveries are signed per Standard Webhooks and retried
// with backoff by the webhooks queue (edge/src/webhooks/), never in the way of mail.
import { Hono } from "hono";
import { WebhookCreate } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { jsonBody } from "../validate.ts";
import { dohResolver } from "../webhooks/doh-resolver.ts";
import { checkWebhookTarget } from "../webhooks/target-check.ts";

export const webhookRoutes = new Hono()
  .post("/webhooks", async (c) => {
    const input = await jsonBody(c, WebhookCreate);
    const config = c.get("config");
    const problem = await checkWebhookTarget(input.url, config.webhookAllowPrivate, dohResolver(config.webhookDnsUrl, c.get("platform").fetch));
    if (problem) throw new ProblemError("validation", `The webhook URL is not allowed: ${problem}.`, { errors: [{ field: "url", message: problem }] });
    const user = c.get("user");
    const created = await c.get("platform").hub(user.sub).createWebhook(user.sub, user.rgn, input);
    if ("refused" in created) throw new ProblemError("conflict", `No more webhooks: ${created.refused}.`);
    return c.json(created, 201, { location: `/api/v1/webhooks/${created.id}` });
  })
  .get("/webhooks", async (c) => c.json({ webhooks: await c.get("platform").hub(c.get("user").sub).listWebhooks() }))
  .delete("/webhooks/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await c.get("platform").hub(c.get("user").sub).removeWebhook(id))) throw new ProblemError("notFound", `No webhook ${id}.`);
    return c.body(null, 204);
  });
