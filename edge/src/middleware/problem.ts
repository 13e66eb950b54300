// Errors as RFC 9457 problem+json: a ProblemError keeps its status and detail; anything else is a
// 500 that shows no internals, only the request id to quote.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { problemKinds, problemResponse, problemType, ProblemError, type ProblemKind } from "../../../shared/problem.ts";

function answer(c: Context, err: ProblemError): Response {
  const requestId = c.get("requestId");
  return problemResponse({ ...err.problem, requestId }, { ...err.headers, ...(requestId ? { "x-request-id": requestId } : {}) });
}

const byStatus: Record<number, ProblemKind> = { 400: "validation", 401: "unauthorized", 404: "notFound", 413: "payloadTooLarge", 415: "unsupportedMediaType" };

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ProblemError) return answer(c, err);
  // Hono's own middleware (body limit, JSON parsing) throws HTTPException for the client's mistakes.
  if (err instanceof HTTPException && err.status < 500) {
    return answer(c, new ProblemError(byStatus[err.status] ?? "validation", err.message || problemKinds[byStatus[err.status] ?? "validation"].title));
  }
  c.get("log").error("edge: unexpected error", { err });
  return problemResponse({
    type: problemType("internal"),
    title: problemKinds.internal.title,
    status: 500,
    detail: "Something went wrong on our side; it has been logged. Try again, and quote the request id if it persists.",
    requestId: c.get("requestId"),
  });
};

export const notFound: NotFoundHandler = (c) => answer(c, new ProblemError("notFound", `No route ${c.req.method} ${new URL(c.req.url).pathname}.`));
