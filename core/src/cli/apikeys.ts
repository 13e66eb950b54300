// `apikey create|list|revoke`: API keys are kept by the edge (hashed, in the user's Durable Object),
// so these commands call the edge's signed internal endpoints (edge.ts).
// The user is found here, in the directory; the edge learns the address and home region with it.
import { z } from "zod";
import { ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, allScopes } from "../../../shared/api.ts";
import type { Config } from "../config.ts";
import { DirectoryError, type Directory, type DirectoryUser } from "../store/directory.ts";
import { parseDuration } from "../units.ts";
import { callEdgeFor, edgeOf } from "./edge.ts";
import { UsageError } from "./errors.ts";

export interface ApiKeyArgs {
  name?: string;
  scopes?: string;
  expires?: string;
}

type Out = (human: string, json: unknown) => void;

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

const date = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 16) : "never");

export async function apikeyCommand(command: string, address: string, keyId: string | undefined, args: ApiKeyArgs, deps: { config: Config; directory: Directory; out: Out }): Promise<void> {
  const request = command === "create" ? keyRequest(args) : null;
  if (command === "revoke" && !keyId) throw new UsageError("missing key id (see: apikey list <address>)");
  const edge = edgeOf(deps.config);
  const user = await userOf(deps.directory, address);
  const base = `/internal/v1/users/${user.id}/api-keys`;
  // The user's home region picks their Durable Object's jurisdiction at the edge.
  const inRegion = `?region=${encodeURIComponent(user.region)}`;

  if (request) {
    const key = await callEdgeFor(edge, "POST", base + inRegion, ApiKeyCreated, { ...request, address: user.address, region: user.region });
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
    const { keys } = await callEdgeFor(edge, "GET", base + inRegion, z.object({ keys: z.array(ApiKeyInfo) }));
    return deps.out(
      keys.map((k) => `${k.id}\t${k.name}\t${k.scopes.join(",")}\t${k.prefix}…\tcreated ${date(k.createdAt)}\texpires ${date(k.expiresAt)}\tlast used ${k.lastUsedAt ? date(k.lastUsedAt) : "never"}`).join("\n") ||
        `(no API keys for ${user.address})`,
      keys,
    );
  }
  await callEdgeFor(edge, "DELETE", `${base}/${encodeURIComponent(keyId!)}${inRegion}`, z.object({ revoked: z.literal(true) }));
  return deps.out(`API key ${keyId} of ${user.address} revoked`, { id: keyId, address: user.address, revoked: true });
}
