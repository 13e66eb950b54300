// The core serves each route of the edge→core contract (shared/internal-api.ts) at the contract's method
// and path, and answers in the contract's shape: a handler whose answer drifts from what the edge's
// typed call expects does not compile.
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { CoreRoute } from "../../../shared/internal-api.ts";

export function serve(app: Hono, route: CoreRoute, handler: (c: Context) => Response | Promise<Response>): void {
  app.on(route.method, route.path, handler);
}

/** The route's answer; `_route` names the schema the value's type is checked against. */
export function answer<A extends z.ZodType>(c: Context, _route: { answer: A }, value: z.input<A>, status: ContentfulStatusCode = 200): Response {
  return c.json(value as object, status);
}
