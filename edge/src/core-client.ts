// Signed calls from the edge to a region's core (signed for the origin of the URL called, which the
// core checks against its own: a request captured on its way to one core is refused by another), each naming a route of the edge→core contract
// (shared/internal-api.ts), which builds its path and types its body and answer. A core that cannot be
// reached, or answers with something other than JSON, becomes a 502/503 problem naming the region —
// never a hang or a raw error.
import { corePath, EVENT_SEQ_HEADER, type CoreAnswer, type CoreRequest, type CoreRoute } from "../../shared/internal-api.ts";
import { isProblem, ProblemError } from "../../shared/problem.ts";
import { signRequest } from "../../shared/signing.ts";
import type { EdgeConfig } from "./config.ts";

const CORE_TIMEOUT_MS = 10_000;
/** How long a core that could not be reached is passed over before it is tried again. */
const UNREACHABLE_PAUSE_MS = 10_000;

/** Per isolate: the next core of each region to call, and cores that could not be reached lately. */
const nextCore = new Map<string, number>();
const unreachableUntil = new Map<string, number>();

/** A region's cores in the order to try them: round robin, those not reached lately last. */
function coreOrder(region: string, urls: string[], now = Date.now()): string[] {
  const start = nextCore.get(region) ?? 0;
  nextCore.set(region, (start + 1) % urls.length);
  const turn = urls.map((_, i) => urls[(start + i) % urls.length]!);
  const reachable = turn.filter((u) => (unreachableUntil.get(u) ?? 0) <= now);
  return [...reachable, ...turn.filter((u) => !reachable.includes(u))];
}

export class CoreClient {
  readonly #config: EdgeConfig;
  readonly #fetch: typeof fetch;
  readonly #requestId: string;

  constructor(config: EdgeConfig, fetchImpl: typeof fetch, requestId: string) {
    this.#config = config;
    this.#fetch = fetchImpl;
    this.#requestId = requestId;
  }

  /** Calls `route` at the core of `region` and returns its response as it is (the caller judges the status). */
  async call<R extends CoreRoute>(region: string, route: R, request: CoreRequest<R>): Promise<Response> {
    const urls = this.#config.coreUrls[region];
    if (!urls) throw new ProblemError("unavailable", `No core is configured for region ${region}.`);
    const body = "body" in request ? request.body : undefined;
    const payload = body === undefined ? "" : JSON.stringify(body);
    const path = corePath(route, request);
    // A read goes on to the region's next core when one cannot be reached. A change does not: the
    // failure may have come after the core acted, and the client's retry (with its Idempotency-Key)
    // is what may safely repeat it; it finds the unreachable core passed over.
    const cores = coreOrder(region, urls);
    const tries = route.method === "GET" ? cores : cores.slice(0, 1);
    for (const base of tries) {
      const url = new URL(path, base);
      const signature = await signRequest(this.#config.internalSigningSecret, url, { method: route.method, pathAndQuery: url.pathname + url.search, body: payload });
      try {
        return await this.#fetch(url, {
          method: route.method,
          headers: {
            ...signature,
            "x-request-id": this.#requestId,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : payload,
          signal: AbortSignal.timeout(CORE_TIMEOUT_MS),
        });
      } catch {
        unreachableUntil.set(base, Date.now() + UNREACHABLE_PAUSE_MS);
      }
    }
    throw new ProblemError("unavailable", `The mail core of region ${region} cannot be reached right now; try again shortly.`, {
      headers: { "retry-after": "5" },
    });
  }

  /** The core's answer, checked against the route's schema: for answers the edge acts on. A problem
   * from the core is rethrown as it is. */
  async read<R extends CoreRoute>(region: string, route: R, request: CoreRequest<R>): Promise<CoreAnswer<R>> {
    const data = await this.#read(region, await this.call(region, route, request));
    const parsed = route.answer.safeParse(data);
    if (!parsed.success) {
      throw new ProblemError("badGateway", `The mail core of region ${region} answered ${route.method} ${route.path} in a shape this edge does not know.`);
    }
    // The route's own schema produced it; TypeScript cannot follow a generic schema's output.
    return parsed.data as CoreAnswer<R>;
  }

  /** The core's answer as the core wrote it, for the edge to pass on to its client unread (typed by the
   * contract, which the core answers by), and the user's event seq after a mailbox change
   * (EVENT_SEQ_HEADER), so the user's Durable Object never serves a head older than the user's own change. */
  async relay<R extends CoreRoute>(region: string, route: R, request: CoreRequest<R>): Promise<{ data: CoreAnswer<R>; seq: number | null }> {
    const response = await this.call(region, route, request);
    const seqHeader = response.headers.get(EVENT_SEQ_HEADER);
    const seq = seqHeader !== null && /^\d{1,15}$/.test(seqHeader) ? Number(seqHeader) : null;
    return { data: (await this.#read(region, response)) as CoreAnswer<R>, seq };
  }

  /** The core's answer to a read that the edge passes on without acting on it, as the core wrote its
   * JSON: a large answer (a page of search results) is not parsed and written again on its way
   * through. A problem from the core is rethrown as relay's is. */
  async pass<R extends CoreRoute>(region: string, route: R, request: CoreRequest<R>): Promise<Response> {
    const response = await this.call(region, route, request);
    if (response.ok && response.headers.get("content-type")?.startsWith("application/json")) return new Response(response.body, { headers: { "content-type": "application/json" } });
    return Response.json(await this.#read(region, response));
  }

  async #read(region: string, response: Response): Promise<unknown> {
    let data: unknown;
    try {
      data = await response.json();
    } catch {
      throw new ProblemError("badGateway", `The mail core of region ${region} answered ${response.status} without JSON.`);
    }
    if (response.ok) return data;
    // The core's problem (its type, title, field errors, Retry-After) reaches the client; the edge adds
    // its own request id.
    if (isProblem(data)) {
      const retryAfter = response.headers.get("retry-after");
      throw ProblemError.fromProblem({ ...data, requestId: undefined }, retryAfter ? { "retry-after": retryAfter } : {});
    }
    throw new ProblemError("badGateway", `The mail core of region ${region} answered ${response.status}.`);
  }
}
