// `apikey create|list|revoke`: API keys are kept by the edge (hashed, in the user's Durable Object),
// so these commands call the edge's signed internal endpoints, signed like every internal request.
// The user is found here, in the directory; the edge learns the address and home region with it.
import { z } from "zod";
import { ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, allScopes } from "../../../shared/api.ts";
import { isProblem } from "../../../shared/problem.ts";
import type { Config } from "../config.ts";
import { callEdge, EdgeUnreachableError, type EdgeTarget } from "../edge-client.ts";
import { DirectoryError, type Directory, type DirectoryUser } from "../store/directory.ts";
import { localEdge } from "../local-dev.ts";
import { parseDuration } from "../units.ts";
import { RefusedError, UsageError } from "./errors.ts";

export interface ApiKeyArgs {
  name?: string;
  scopes?: string;
  expires?: string;
}

type Out = (human: string, json: unknown) => void;

function edgeOf(config: Config): EdgeTarget {
  // Next to `npm start`, its edge and secret are in the data folder.
  const local = localEdge(config.dataDir);
  if (!config.events.edgeUrl && !config.internalSigningSecret && local) return local;
  if (!config.events.edgeUrl) {
    throw new RefusedError("EDGE_URL is not set: API keys are kept by the edge, so this command calls it (with `npm start`: EDGE_URL=http://127.0.0.1:8787)");
  }
  if (!config.internalSigningSecret) {
    throw new RefusedError("INTERNAL_SIGNING_SECRET is not set: calls to the edge are signed with the secret the edge has (with `npm start`: the one in DATA_DIR/dev.vars)");
  }
  return { url: config.events.edgeUrl, secret: config.internalSigningSecret };
}

async function userOf(directory: Directory, address: string): Promise<DirectoryUser> {
  const user = await directory.userByAddress(address);
  if (!user) throw new DirectoryError(`no user ${address}`);
  return user;
}

/** What `--name/--scopes/--expires` ask for, checked against the API's own schema. */
function keyRequest(args: ApiKeyArgs): ApiKeyCreate {
  if (!args.name) throw new UsageError("give the key a name with --name");
  if (!args.scopes) throw new UsageError(`give its scopes with --scopes, a comma-separated list of ${allScopes.join(", ")}`);
  const scopes = args.scopes.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.find((s) => !(allScopes as readonly string[]).includes(s));
  if (unknown !== undefined) throw new UsageError(`unknown scope "${unknown}"; scopes are ${allScopes.join(", ")}`);
  let expiresIn: number | undefined;
  if (args.expires !== undefined) {
    const ms = parseDuration(args.expires);
    if (ms === null) throw new UsageError(`--expires ${args.expires} is not a duration such as 30d or 12h`);
    expiresIn = Math.round(ms / 1000);
  }
  const parsed = ApiKeyCreate.safeParse({ name: args.name, scopes, expiresIn });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = issue.path[0] === "expiresIn" ? "--expires" : `--${String(issue.path[0])}`;
    throw new UsageError(`${option}: ${issue.path[0] === "expiresIn" ? "must be between 1 minute and 5 years" : issue.message}`);
  }
  return parsed.data;
}

/** Calls the edge; a refusal becomes a message with the edge's own words. */
async function call<T>(edge: EdgeTarget, method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
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

const date = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 16) : "never");

export async function apikeyCommand(command: string, address: string, keyId: string | undefined, args: ApiKeyArgs, deps: { config: Config; directory: Directory; out: Out }): Promise<void> {
  const request = command === "create" ? keyRequest(args) : null;
  if (command === "revoke" && !keyId) throw new UsageError("missing key id (see: apikey list <address>)");
  const edge = edgeOf(deps.config);
  const user = await userOf(deps.directory, address);
  const base = `/internal/v1/users/${user.id}/api-keys`;

  if (request) {
    const key = await call(edge, "POST", base, ApiKeyCreated, { ...request, address: user.address, region: user.region });
    return deps.out(
      [
        `API key "${key.name}" created for ${user.address} (id ${key.id}; scopes ${key.scopes.join(", ")}; expires ${date(key.expiresAt)}):`,
        "",
        `  ${key.key}`,
        "",
        "Copy it now: it is shown only this once (the edge keeps only a hash of it).",
      ].join("\n"),
      { ...key, warning: "The key is shown only this once." },
    );
  }
  if (command === "list") {
    const { keys } = await call(edge, "GET", base, z.object({ keys: z.array(ApiKeyInfo) }));
    return deps.out(
      keys.map((k) => `${k.id}\t${k.name}\t${k.scopes.join(",")}\t${k.prefix}…\tcreated ${date(k.createdAt)}\texpires ${date(k.expiresAt)}\tlast used ${k.lastUsedAt ? date(k.lastUsedAt) : "never"}`).join("\n") ||
        `(no API keys for ${user.address})`,
      keys,
    );
  }
  await call(edge, "DELETE", `${base}/${encodeURIComponent(keyId!)}`, z.object({ revoked: z.literal(true) }));
  return deps.out(`API key ${keyId} of ${user.address} revoked`, { id: keyId, address: user.address, revoked: true });
}
