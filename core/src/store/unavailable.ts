// Whether an error means a database server could not be reached (down, restarting, too slow), as
// opposed to a fault in what was asked. Those are answered "try again later" — 451 4.3.0 in SMTP,
// 503 with Retry-After in the API — rather than 500: nothing is wrong with the request, and nothing
// was accepted that the store could not take.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CLOSED"]);

export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    // The request's own time limit (libsql.ts) ran out.
    if (name === "TimeoutError") return true;
    // @libsql/client: a server that answered 5xx (sqld restarting, or behind a proxy that lost it).
    if (code === "SERVER_ERROR" && typeof message === "string" && /\b50[234]\b/.test(message)) return true;
    if (name === "TypeError" && message === "fetch failed") return true;
    if (name === "StoreUnavailableError") return true;
  }
  return false;
}

/** Thrown where a check finds a database unreachable before anything is accepted. */
export class StoreUnavailableError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} cannot be reached right now`, options);
    this.name = "StoreUnavailableError";
  }
}
