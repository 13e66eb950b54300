// Signed calls from the core (the event notifier, the admin CLI) to the edge's internal endpoints,
// signed exactly as the edge signs its calls to the core (shared/signing.ts), with the same secret,
// for EDGE_URL's origin.
import { signRequest } from "../../shared/signing.ts";

export interface EdgeTarget {
  /** EDGE_URL, without a trailing slash. */
  url: string;
  secret: string;
}

/** No answer at all: refused, reset, timed out. */
export class EdgeUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
    super(`the edge at ${url} cannot be reached (${reason})`);
    this.name = "EdgeUnreachableError";
  }
}

export async function callEdge(
  edge: EdgeTarget,
  method: string,
  path: string,
  body?: unknown,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Response> {
  const payload = body === undefined ? "" : JSON.stringify(body);
  const url = new URL(edge.url + path);
  const headers = await signRequest(edge.secret, url, { method, pathAndQuery: url.pathname + url.search, body: payload });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  try {
    return await fetch(url, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : payload,
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
    });
  } catch (err) {
    throw new EdgeUnreachableError(edge.url, err);
  }
}
