// The directory on both backends (a file, or sqld with TEST_SHARD_SERVER=sqld): resolution as an MX
// does it, and removals that take what hangs on a user or domain with them. Over sqld every request
// may be a connection of its own, so nothing may rest on a per-connection PRAGMA (foreign_keys).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { restartSqld } from "../local-sqld.ts";
import { REPLICA_TIMEOUT_MS } from "./libsql.ts";
import { Directory, DirectoryError, type DirectoryUser } from "./directory.ts";
import { shardBackend, testDatabases } from "../../../test/support/shard-backend.ts";

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
  const { url, replicaUrl } = await databases.open("directory");
  directory = await Directory.open(url, undefined, replicaUrl);
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

  it("asks the replica for the MX's lookups, and the primary for what the replica does not know", async () => {
    // A stand-in replica that knows eve and the primary does not: which one answered shows.
    const stand = await databases.open("decoy");
    const decoy = await Directory.open(stand.url);
    const routed = await Directory.open((await databases.open("routed")).url, undefined, stand.url);
    try {
      await decoy.addDomain("routed.test");
      await routed.addDomain("routed.test");
      const eve = user("eve@routed.test");
      await decoy.insertUser(eve);
      const frank = user("frank@routed.test");
      await routed.insertUser(frank);
      expect(await routed.resolve("eve@routed.test", { mayLag: true })).toMatchObject({ kind: "user", user: { id: eve.id } });
      expect((await routed.resolve("eve@routed.test")).kind).toBe("unknown-user");
      // Not on the replica: asked again of the primary, where frank was just added.
      expect(await routed.resolve("frank@routed.test", { mayLag: true })).toMatchObject({ kind: "user", user: { id: frank.id } });
    } finally {
      decoy.close();
      routed.close();
    }
  });

  it.runIf(shardBackend === "sqld")("answers without its replica, and fails at once rather than hang without its primary", async () => {
    await directory.addDomain("replica.test");
    const dan = user("dan@replica.test");
    await directory.insertUser(dan);
    const pair = databases.servers("directory");
    pair.primary.kill("SIGKILL");
    await pair.primary.exited;
    // sqld's replica may wait for its primary to serve a client that saw a newer write: the request's
    // timeout bounds that, and "unknown" must come from the primary anyway.
    const t0 = Date.now();
    await expect(directory.resolve("nobody@replica.test", { mayLag: true })).rejects.toThrow();
    await expect(directory.resolve("dan@replica.test")).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(REPLICA_TIMEOUT_MS + 2_000);

    pair.primary = await restartSqld(pair.primary);
    pair.replica.kill("SIGKILL");
    await pair.replica.exited;
    expect(await directory.resolve("dan@replica.test", { mayLag: true })).toMatchObject({ kind: "user", user: { id: dan.id } });
    expect((await directory.resolve("nobody@replica.test", { mayLag: true })).kind).toBe("unknown-user");
  });
});
