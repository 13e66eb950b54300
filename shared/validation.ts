// zod → 400 problem naming each bad field; the same answer from either tier.
import type { z } from "zod";
import { fieldErrors, ProblemError } from "./problem.ts";

export function validated<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "query"): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = where === "body" ? "Some fields are not valid." : "Some query parameters are not valid.";
  throw new ProblemError("validation", detail, { errors: fieldErrors(parsed.error.issues, where === "query" ? "query" : undefined) });
}

export function notJson(): ProblemError {
  return new ProblemError("validation", "The body is not valid JSON.", { errors: [{ field: "(body)", message: "not valid JSON" }] });
}
