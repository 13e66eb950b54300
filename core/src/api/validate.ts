// Request parsing for the internal API, by the schemas of the route's entry in the edge→core contract
// (shared/internal-api.ts): the same schemas the edge's typed calls are written against. The body was
// read once, for the signature check.
import type { Context } from "hono";
import type { z } from "zod";
import { notJson, validated } from "../../../shared/validation.ts";

export function parseBody<B extends z.ZodType>(c: Context, route: { body: B }): z.output<B> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(c.get("rawBody")));
  } catch {
    throw notJson();
  }
  return validated(route.body, json, "body");
}

export function parseQuery<Q extends z.ZodType>(c: Context, route: { query: Q }): z.output<Q> {
  return validated(route.query, c.req.query(), "query");
}
