// Creating and removing users spans the directory and the user's shard, which are different
// databases. The order makes a crash halfway harmless: the mailbox exists before the directory
// makes the address deliverable, and the address stops being deliverable before the mailbox goes.
import { normalizeAddress, parseAddress } from "../../shared/address.ts";
import { uuidv7 } from "../../shared/ids.ts";
import { limits } from "../../shared/limits.ts";
import { hashPassword } from "../../shared/password.ts";
import { DirectoryError, type Directory, type DirectoryUser } from "./store/directory.ts";
import { createMailbox, deleteMailbox } from "./store/mailbox.ts";
import type { Shards } from "./store/shards.ts";

export interface NewUser {
  address: string;
  password: string;
  quotaBytes: number;
  region: string;
}

export const MIN_PASSWORD_LENGTH = 8;

export async function createUser(deps: { directory: Directory; shards: Shards }, input: NewUser): Promise<DirectoryUser> {
  const address = normalizeAddress(input.address);
  if (!address) throw new DirectoryError(`${input.address} is not a mail address`);
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new DirectoryError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (input.password.length > limits.maxPasswordLength) throw new DirectoryError("the password is too long");
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
