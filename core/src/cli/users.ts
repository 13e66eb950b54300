// `user password|revoke|remove`: what a user can sign in with is the directory's (the password), but
// what they signed in with lives at the edge (sessions, API keys, webhooks in their Durable Object).
// Each command does both, in an order that leaves nothing usable behind should the edge not answer
// or the CLI stop halfway, and says what did not happen and the command that finishes it.
//  password: the new password first (the old one stops working everywhere at once), then the edge
//            revokes every session, key and webhook made with the old one.
//  remove:   the user is locked first: the password signs in nowhere and the core serves nothing of
//            theirs, whatever credential the edge still holds. Then the edge revokes everything and
//            erases the user's Durable Object, and only then do the address and the mail go. Until the
//            edge has answered, the mailbox stays, so `user remove` can simply be run again.
import { z } from "zod";
import { checkPassword, lockUser, removeUser, setUserPassword } from "../mailbox/accounts.ts";
import type { Config } from "../config.ts";
import type { EdgeTarget } from "../edge-client.ts";
import { DirectoryError, type Directory, type DirectoryUser } from "../store/directory.ts";
import type { Shards } from "../store/shards.ts";
import { callEdgeFor, edgeOf } from "./edge.ts";
import { RefusedError, UsageError } from "./errors.ts";

type Out = (human: string, json: unknown) => void;

const Revocation = z.object({ sessions: z.number().int(), apiKeysRevoked: z.number().int(), webhooksRemoved: z.number().int() });
type Revocation = z.infer<typeof Revocation>;

const WHAT = "sessions, API keys and webhooks are kept by the edge";

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

function described(r: Revocation): string {
  return `signed out ${plural(r.sessions, "session")}, revoked ${plural(r.apiKeysRevoked, "API key")}, removed ${plural(r.webhooksRemoved, "webhook")}`;
}

async function userOf(directory: Directory, address: string): Promise<DirectoryUser> {
  const user = await directory.userByAddress(address);
  if (!user) throw new DirectoryError(`no user ${address}`);
  return user;
}

/** Calls the edge; when that fails, says what the command did and did not do, why, and how to finish. */
async function atEdge(edge: EdgeTarget, method: string, path: string, body: unknown, failed: string, finish: string): Promise<Revocation> {
  try {
    return await callEdgeFor(edge, method, path, Revocation, body);
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err;
    const why = err.message.charAt(0).toUpperCase() + err.message.slice(1);
    throw new RefusedError(`${failed}.\n${why}\nFinish with: npm run cli -- ${finish}`);
  }
}

export interface UserCommandDeps {
  config: Config;
  directory: Directory;
  shards: Shards;
  out: Out;
}

export async function userPasswordCommand(address: string, password: string | undefined, deps: UserCommandDeps): Promise<void> {
  if (!password) throw new UsageError("give the new password with --password");
  checkPassword(password);
  const edge = edgeOf(deps.config, WHAT);
  const user = await userOf(deps.directory, address);
  await setUserPassword(deps.directory, user, password);
  const revoked = await atEdge(
    edge,
    "POST",
    `/internal/v1/users/${user.id}/revoke?region=${encodeURIComponent(user.region)}`,
    { reason: "password.changed" },
    `the password of ${user.address} is changed, but what was signed in with the old one still works: its sessions, API keys and webhooks were NOT revoked`,
    `user revoke ${user.address}`,
  );
  deps.out(`password of ${user.address} changed; ${described(revoked)}`, { address: user.address, ...revoked });
}

export async function userRevokeCommand(address: string, deps: UserCommandDeps): Promise<void> {
  const edge = edgeOf(deps.config, WHAT);
  const user = await userOf(deps.directory, address);
  const revoked = await atEdge(
    edge,
    "POST",
    `/internal/v1/users/${user.id}/revoke?region=${encodeURIComponent(user.region)}`,
    { reason: "signed-out-everywhere" },
    `the sessions, API keys and webhooks of ${user.address} were NOT revoked`,
    `user revoke ${user.address}`,
  );
  deps.out(`${user.address}: ${described(revoked)}`, { address: user.address, ...revoked });
}

export async function userRemoveCommand(address: string, deps: UserCommandDeps): Promise<void> {
  const edge = edgeOf(deps.config, WHAT);
  const user = await userOf(deps.directory, address);
  await lockUser(deps.directory, user);
  const revoked = await atEdge(
    edge,
    "DELETE",
    `/internal/v1/users/${user.id}?region=${encodeURIComponent(user.region)}`,
    undefined,
    `${user.address} is locked (no sign-in, and its mail is served to no session or API key) but NOT removed: the edge still holds its sessions, API keys, webhooks and recent events, so its mail is kept until the edge has forgotten them`,
    `user remove ${user.address}`,
  );
  await removeUser({ directory: deps.directory, shards: deps.shards }, user.address);
  deps.out(`user ${user.address} removed with their mail; ${described(revoked)}`, { id: user.id, address: user.address, ...revoked });
}
