// A mailbox's life: creating and removing a user (and their mailbox), their password, locking them
// out. It spans the directory and the user's shard, which are different databases. The order makes a
// crash halfway harmless: the mailbox exists before the directory makes the address deliverable, and
// the address stops being deliverable before the mailbox goes.
import { normalizeAddress, parseAddress } from "../../../shared/address.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { limits } from "../../../shared/limits.ts";
import { hashPassword } from "../../../shared/password.ts";
import { DirectoryError, type Directory, type DirectoryUser } from "../store/directory.ts";
import { createMailbox, deleteMailbox } from "../store/mailbox.ts";
import type { Shards } from "../store/shards.ts";

export interface NewUser {
  address: string;
  password: string;
  quotaBytes: number;
  region: string;
}

/** A password hash no password matches: a user being removed can no longer sign in anywhere (the API,
 * SMTP submission), and the core's API serves nothing of theirs (api/app.ts), while the edge is told to
 * forget their credentials. */
export const LOCKED_PASSWORD_HASH = "locked";

/** Refuses a password too short or too long, as every door that sets one does. */
export function checkPassword(password: string): void {
  if (password.length < limits.minPasswordLength) throw new DirectoryError(`the password must have at least ${limits.minPasswordLength} characters`);
  if (password.length > limits.maxPasswordLength) throw new DirectoryError("the password is too long");
}

export async function createUser(deps: { directory: Directory; shards: Shards }, input: NewUser): Promise<DirectoryUser> {
  const address = normalizeAddress(input.address);
  if (!address) throw new DirectoryError(`${input.address} is not a mail address`);
  checkPassword(input.password);
  const { domain } = parseAddress(address)!;
  if (!(await deps.directory.isHostedDomain(domain))) throw new DirectoryError(`no domain ${domain}; add it first with: domain add ${domain}`);
  if (await deps.directory.userByAddress(address)) throw new DirectoryError(`${address} already exists`);
  const id = uuidv7();
  const shard = deps.shards.place(id);
  const user: DirectoryUser = {
    id,
    address,
    domain,
    passwordHash: await hashPassword(input.password),
    region: input.region,
    shard,
    createdAt: Date.now(),
  };
  await createMailbox(deps.shards.get(shard), { userId: id, address, quotaBytes: input.quotaBytes });
  await deps.directory.insertUser(user);
  return user;
}

export async function removeUser(deps: { directory: Directory; shards: Shards }, address: string): Promise<DirectoryUser> {
  const normalized = normalizeAddress(address);
  const user = normalized ? await deps.directory.userByAddress(normalized) : null;
  if (!user) throw new DirectoryError(`no user ${address}`);
  await deps.directory.deleteUser(user.id);
  await deleteMailbox(deps.shards.get(user.shard), user.id);
  return user;
}

/** Stores a new password. Credentials made with the old one live at the edge: revoking them is the
 * caller's second step (the edge's password route, or the CLI through the edge). */
export async function setUserPassword(directory: Directory, user: DirectoryUser, password: string): Promise<void> {
  checkPassword(password);
  await directory.setPassword(user.id, await hashPassword(password));
}

export async function lockUser(directory: Directory, user: DirectoryUser): Promise<void> {
  await directory.setPassword(user.id, LOCKED_PASSWORD_HASH);
}
