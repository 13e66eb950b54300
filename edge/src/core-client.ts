// Signed calls from the edge to a region's core. A core that cannot be reached, or answers with
// something other than JSON, becomes a 502/503 problem naming the region — never a hang or a raw error.
import { isProblem, ProblemError } from "../../shared/problem.ts";
import { signRequest } from "../../shared/signing.ts";
import type { EdgeConfig } from "./config.ts";

const CORE_TIMEOUT_MS = 10_000;

export class CoreClient {
  readonly #config: EdgeConfig;
  readonly #fetch: typeof fetch;
  readonly #requestId: string;

  constructor(config: EdgeConfig, fetchImpl: typeof fetch, requestId: string) {
    this.#config = config;
    this.#fetch = fetchImpl;
    this.#requestId = requestId;
  }

  /** Calls the core of `region`; `path` starts with /internal/v1 and may carry a query string. */
  async call(region: string, method: string, path: string, body?: unknown): Promise<Response> {
    const base = this.#config.coreUrls[region];
    if (!base) throw new ProblemError("unavailable", `No core is configured for region ${region}.`);
    const payload = body === undefined ? "" : JSON.stringify(body);
    const url = new URL(path, base);
    const signature = await signRequest(this.#config.internalSigningSecret, { method, pathAndQuery: url.pathname + url.search, body: payload });
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers: {
          ...signature,
          "x-request-id": this.#requestId,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : payload,
        signal: AbortSignal.timeout(CORE_TIMEOUT_MS),
      });
    } catch {
      throw new ProblemError("unavailable", `The mail core of region ${region} cannot be reached right now; try again shortly.`, {
        headers: { "retry-after": "5" },
      });
    }
    return response;
  }

  /** Calls the core and returns its JSON; a problem from the core is rethrown as it is. */
  async json<T>(region: string, method: string, path: string, body?: unknown): Promise<T> {
    return (await this.change<T>(region, method, path, body)).data;
  }

  /** Like json(), and the user's event seq after a mailbox change (the core's x-edgemail-event-seq
   * header), so the user's Durable Object never serves a head older than the user's own change. */
  async change<T>(region: string, method: string, path: string, body?: unknown): Promise<{ data: T; seq: number | null }> {
    const response = await this.call(region, method, path, body);
    const seqHeader = response.headers.get("x-edgemail-event-seq");
    const seq = seqHeader !== null && /^\d{1,15}$/.test(seqHeader) ? Number(seqHeader) : null;
    return { data: await this.#read<T>(region, response), seq };
  }

  async #read<T>(region: string, response: Response): Promise<T> {
    let data: unknown;
    try {
      data = await response.json();
    } catch {
      throw new ProblemError("badGateway", `The mail core of region ${region} answered ${response.status} without JSON.`);
    }
    if (response.ok) return data as T;
    // The core's problem (its type, title, field errors, Retry-After) reaches the client; the edge adds
    // its own request id.
    if (isProblem(data)) {
      const retryAfter = response.headers.get("retry-after");
      throw ProblemError.fromProblem({ ...data, requestId: undefined }, retryAfter ? { "retry-after": retryAfter } : {});
    }
    throw new ProblemError("badGateway", `The mail core of region ${region} answered ${response.status}.`);
  }
}
