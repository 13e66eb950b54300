// Every answer carries an id that also appears in the edge's logs (each line of the request's logger)
// and the core's (the core client passes it on), so a user's report can be traced. Hono's middleware
// makes the id; the edge keeps two rules of its own: it never takes the client's X-Request-Id (a
// chosen id could pass for another request's in our logs), and it puts the header on the answer after
// the handler, since Hono's goes only on answers built through the context, not on a Response the
// handler made itself (a 500 problem, an event stream, an image).
import { createMiddleware } from "hono/factory";
import { requestId as honoRequestId } from "hono/request-id";
import { log } from "../log.ts";

const newRequestId = honoRequestId({ headerName: "" });

export const requestId = createMiddleware((c, next) =>
  newRequestId(c, async () => {
    const id = c.get("requestId");
    c.set("log", log.child({ requestId: id }));
    await next();
    // A WebSocket upgrade's 101 is handed on as it is.
    if (c.res.status !== 101) c.header("x-request-id", id);
  }),
);
