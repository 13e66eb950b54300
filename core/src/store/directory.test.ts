// The directory on both backends (a file, or sqld with TEST_SHARD_SERVER=sqld): resolution as an MX
// does it, and removals that take what hangs on a user or domain with them. Over sqld every request
// may be a connection of its own, so nothing may rest on a per-connection PRAGMA (foreign_keys).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { Directory, DirectoryError, type DirectoryUser } from "./directory.ts";
import { testDatabases } from "../../../test/support/shard-backend.ts";

const databases = testDatabases("directory-");
let directory: Directory;

const user = (address: string): DirectoryUser => ({
  id: uuidv7(),
  address,
  domain: address.split("@")[1]!,
  passwordHash: "x",
  region: "local",
  shard: "s0",
  createdAt: Date.now(),
});

beforeAll(async () => {
  directory = await Directory.open((await databases.open("directory")).url);
});
afterAll(async () => {
  directory.close();
  await databases.close();
});

describe("directory", () => {
  it("resolves exact addresses, aliases, subaddresses and domain aliases", async () => {
    await directory.addDomain("example.test");
    await directory.addDomainAlias("example.org", "example.test");
    const alice = user("alice@example.test");
    await directory.insertUser(alice);
    await directory.addAlias("info@example.test", alice.id);
    for (const address of ["alice@example.test", "alice+news@example.test", "info@example.org", "ALICE@example.org"]) {
      const r = await directory.resolve(address.toLowerCase());
      expect(r.kind === "user" && r.user.id, address).toBe(alice.id);
    }
    expect((await directory.resolve("bob@example.test")).kind).toBe("unknown-user");
    expect((await directory.resolve("bob@elsewhere.test")).kind).toBe("not-local");
    await expect(directory.insertUser(user("info@example.test"))).rejects.toBeInstanceOf(DirectoryError);
  });

  it("takes a user's aliases with the user, and a domain's aliases and DKIM key with the domain", async () => {
    await directory.addDomain("gone.test");
    await directory.addDomainAlias("gone.example", "gone.test");
    await directory.setDkimKey("gone.test", "s1", "key");
    const carol = user("carol@gone.test");
    await directory.insertUser(carol);
    await directory.addAlias("c@gone.test", carol.id);
    await directory.deleteUser(carol.id);
    expect(await directory.listAliases()).not.toContainEqual(expect.objectContaining({ address: "c@gone.test" }));
    // The address is free again.
    await directory.insertUser(user("c@gone.test"));
    await expect(directory.removeDomain("gone.test")).rejects.toThrow(/still has users/);
    await directory.deleteUser((await directory.userByAddress("c@gone.test"))!.id);
    await directory.removeDomain("gone.test");
    expect(await directory.dkimKey("gone.test")).toBeNull();
    expect(await directory.isHostedDomain("gone.example")).toBe(false);
    // A new domain of the same name starts without the old alias or key.
    await directory.addDomain("gone.test");
    expect(await directory.isHostedDomain("gone.example")).toBe(false);
    expect(await directory.dkimKey("gone.test")).toBeNull();
  });
});
