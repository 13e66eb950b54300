// The API client: every call of the webmail goes through `api()`, which adds the bearer token, turns
// problem+json answers into ApiError (with the fields the server named) and ends the session on 401.
// Types come from shared/ as type-only imports: one contract with the server, and no zod in the bundle.
import type { Problem } from "../../../shared/problem.ts";
import { endSession, session } from "./session.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  /** Seconds from a Retry-After header (429, 503), when the server gave one. */
  retryAfter: number | null = null;
  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem ? [problem.detail ?? problem.title, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)].join(" — ") : fallback);
    this.status = status;
    this.problem = problem;
  }
  /** The message the server gave for one field, if it named it. */
  field(name: string): string | undefined {
    return this.problem?.errors?.find((e) => e.field === name || e.field.startsWith(name + "."))?.message;
  }
}

/** Thrown when the request did not reach the server at all (offline, network changed). */
export class NetworkError extends Error {
  constructor() {
    super("The network is not reachable. Nothing was lost; try again when you are back online.");
  }
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Sent as is (a File for uploads) instead of JSON. */
  raw?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** false: a 401 is the caller's to handle (sign-in), not the end of the session. */
  authenticated?: boolean;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const token = session.value?.token;
  if (options.authenticated !== false && token) headers.set("authorization", `Bearer ${token}`);
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body, signal: options.signal });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new NetworkError();
  }
  if (response.ok) return response;
  const problem = (await response.json().catch(() => null)) as Problem | null;
  if (response.status === 401 && options.authenticated !== false) {
    endSession("Your session has ended. Sign in again; what you were writing is kept.");
  }
  const error = new ApiError(response.status, problem && typeof problem.title === "string" ? problem : null, `The server answered ${response.status}.`);
  const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
  if (Number.isFinite(retryAfter)) error.retryAfter = retryAfter;
  throw error;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const response = await call(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A person-readable sentence for any error a call may throw. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 429) return `Too many requests for now. ${e.message} Wait a moment and try again.`;
    if (e.status >= 500) return `The mail service had a problem (${e.status}). Nothing you typed is lost; try again in a moment.`;
    return e.message;
  }
  if (e instanceof NetworkError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
