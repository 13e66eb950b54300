// The signed-in user's own credentials (password sessions only — see scopes.ts):
//  POST /api-keys → 201 with the key, shown this once; GET /api-keys; DELETE /api-keys/:id.
//  GET /security/logins: recent sign-ins and where they came from.
import { Hono } from "hono";
import { ApiKeyCreate } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { jsonBody } from "../validate.ts";

export const credentialRoutes = new Hono()
  .post("/api-keys", async (c) => {
    const input = await jsonBody(c, ApiKeyCreate);
    const user = c.get("user");
    const created = await c.get("platform").hub(user.sub).createApiKey(user.sub, user.rgn, user.addr, input);
    return c.json(created, 201, { location: `/api/v1/api-keys/${created.id}` });
  })
  .get("/api-keys", async (c) => c.json({ keys: await c.get("platform").hub(c.get("user").sub).listApiKeys() }))
  .delete("/api-keys/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await c.get("platform").hub(c.get("user").sub).revokeApiKey(id))) throw new ProblemError("notFound", `No API key ${id}.`);
    return c.body(null, 204);
  })
  .get("/security/logins", async (c) => c.json({ logins: await c.get("platform").hub(c.get("user").sub).recentLogins() }));
