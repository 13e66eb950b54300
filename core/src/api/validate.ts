// Request parsing for the internal API (the body was read once, for the signature check).
import type { Context } from "hono";
import type { z } from "zod";
import { notJson, validated } from "../../../shared/validation.ts";

export function parseBody<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(c.get("rawBody")));
  } catch {
    throw notJson();
  }
  return validated(schema, json, "body");
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validated(schema, c.req.query(), "query");
}
