// The CLI's calls to the edge: API keys, sessions and webhooks are kept by the edge (in the user's
// Durable Object), so the commands that manage them call its signed internal endpoints, signed like
// every internal request, with EDGE_URL and INTERNAL_SIGNING_SECRET or, next to `npm start`, the
// edge and secret it recorded in the data folder.
import type { z } from "zod";
import { isProblem } from "../../../shared/problem.ts";
import type { Config } from "../config.ts";
import { callEdge, EdgeUnreachableError, type EdgeTarget } from "../edge-client.ts";
import { localEdge } from "../local-dev.ts";
import { RefusedError } from "./errors.ts";

/** Where the edge is; refuses (before the command changes anything) when that is not configured. */
export function edgeOf(config: Config, what = "API keys are kept by the edge"): EdgeTarget {
  // Next to `npm start`, its edge and secret are in the data folder.
  const local = localEdge(config.dataDir);
  if (!config.events.edgeUrl && !config.internalSigningSecret && local) return local;
  if (!config.events.edgeUrl) {
    throw new RefusedError(`EDGE_URL is not set: ${what}, so this command calls it (with \`npm start\`: EDGE_URL=http://127.0.0.1:8787)`);
  }
  if (!config.internalSigningSecret) {
    throw new RefusedError("INTERNAL_SIGNING_SECRET is not set: calls to the edge are signed with the secret the edge has (with `npm start`: the one in DATA_DIR/dev.vars)");
  }
  return { url: config.events.edgeUrl, secret: config.internalSigningSecret };
}

/** Calls the edge and reads its answer with `schema`; an edge that does not answer, or refuses,
 * becomes a RefusedError in words an operator can act on. */
export async function callEdgeFor<T>(edge: EdgeTarget, method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await callEdge(edge, method, path, body);
  } catch (err) {
    if (err instanceof EdgeUnreachableError) throw new RefusedError(`${err.message}; is it running, and is EDGE_URL right?`);
    throw err;
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const why = isProblem(data) ? (data.detail ?? data.title) : `HTTP ${res.status}`;
    throw new RefusedError(`the edge refused: ${why} (${res.status})`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new RefusedError(`the edge answered ${res.status} with something this CLI does not understand`);
  return parsed.data;
}
