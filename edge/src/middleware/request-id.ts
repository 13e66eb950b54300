// Every answer carries an id that also appears in the core's logs, so a user's report can be traced.
import { createMiddleware } from "hono/factory";

export const requestId = createMiddleware(async (c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.header("x-request-id", id);
});
