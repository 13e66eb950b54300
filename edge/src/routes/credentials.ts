// The signed-in user's own credentials (password sessions only — see scopes.ts):
//  POST /api-keys → 201 with the key, shown this once; GET /api-keys; DELETE /api-keys/:id.
//  GET /security/logins: recent sign-ins and where they came from.
//  GET /security/events: recent security activity (90 days): sign-ins from somewhere new, forwards
//  added, blocked password guessing, password changes, API keys made and revoked, signing out everywhere.
import { Hono } from "hono";
import { ApiKeyCreate } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { jsonBody } from "../validate.ts";

export const credentialRoutes = new Hono()
  .post("/api-keys", async (c) => {
    const input = await jsonBody(c, ApiKeyCreate);
    const user = c.get("user");
    const created = await c.get("platform").hub(user.sub, user.rgn).createApiKey(user.sub, user.rgn, user.addr, input, "user");
    return c.json(created, 201, { location: `/api/v1/api-keys/${created.id}` });
  })
  .get("/api-keys", async (c) => c.json({ keys: await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).listApiKeys() }))
  .delete("/api-keys/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).revokeApiKey(id, "user"))) throw new ProblemError("notFound", `No API key ${id}.`);
    return c.body(null, 204);
  })
  .get("/security/logins", async (c) => c.json({ logins: await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).recentLogins() }))
  .get("/security/events", async (c) => c.json({ events: await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).securityEvents() }));
