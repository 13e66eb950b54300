// Every answer carries an id that also appears in the core's logs, so a user's report can be traced.
import { createMiddleware } from "hono/factory";

export const requestId = createMiddleware(async (c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  await next();
  // A WebSocket upgrade's 101 is handed on as it is.
  if (c.res.status !== 101) c.header("x-request-id", id);
});
