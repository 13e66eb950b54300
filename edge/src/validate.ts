// Request validation at the edge: bad input is answered here, before any call to a core.
import type { Context } from "hono";
import type { z } from "zod";
import { ProblemError } from "../../shared/problem.ts";
import { notJson, validated } from "../../shared/validation.ts";

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header("content-type") ?? "")) {
    throw new ProblemError("unsupportedMediaType", "Send the body as JSON with `Content-Type: application/json`.");
  }
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw notJson();
  }
  return validated(schema, json, "body");
}

export function query<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validated(schema, c.req.query(), "query");
}
