// The directory of domains, users and aliases, and recipient resolution as an MX does it:
// domain alias → exact address (alias or user) → address without its +subaddress.
import { asc, count, eq, inArray } from "drizzle-orm";
import { parseAddress, withoutSubaddress } from "../../../shared/address.ts";
import { answeredRecently, openDatabase, PROBE_FRESH_MS, settleWal, type Database } from "./libsql.ts";
import { StoreUnavailableError } from "./unavailable.ts";
import { aliases, directorySchema, dkimKeys, domainAliases, domains, users } from "./directory-schema.ts";

export interface DirectoryUser {
  id: string;
  address: string;
  domain: string;
  passwordHash: string;
  region: string;
  shard: string;
  createdAt: number;
  /** Where the user's mailbox is being moved (`region/shard`), or null (directory-schema.ts). */
  movingTo?: string | null;
}

export type Resolution =
  | { kind: "user"; user: DirectoryUser }
  /** `candidates`: the addresses looked for (the canonical one, then without its +subaddress), which
   * another region may know (global-directory.ts). */
  | { kind: "unknown-user"; candidates: string[] }
  | { kind: "not-local" }
  | { kind: "invalid" };

export class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DirectoryError";
  }
}

export class Directory {
  readonly #database: Database<typeof directorySchema>;

  private constructor(database: Database<typeof directorySchema>) {
    this.#database = database;
  }

  static async open(url: string, authToken?: string, replicaUrl?: string): Promise<Directory> {
    const database = await openDatabase(url, directorySchema, "directory", authToken, replicaUrl);
    // Per connection on a file; sqld (and Turso) turn foreign keys on for every connection themselves.
    if (url.startsWith("file:")) await database.client.execute("PRAGMA foreign_keys=ON");
    return new Directory(database);
  }

  /** Fails (StoreUnavailableError) unless the directory's primary answers now (see Shards.probe). */
  async probe(): Promise<void> {
    if (this.#database.url.startsWith("file:") || answeredRecently(this.#database.client, PROBE_FRESH_MS)) return;
    await this.#database.client.execute("SELECT 1").catch((err: unknown) => {
      throw new StoreUnavailableError("the directory", { cause: err });
    });
  }

  get #db() {
    return this.#database.db;
  }

  /** The region's shared tables that are not the directory proper (the global spam model). */
  get database(): Database<typeof directorySchema>["db"] {
    return this.#database.db;
  }

  close(): void {
    if (this.#database.replica.client !== this.#database.client) this.#database.replica.client.close();
    this.#database.client.close();
  }

  // ── domains ────────────────────────────────────────────────────────────

  async addDomain(name: string): Promise<void> {
    if (await this.#canonicalDomain(name)) throw new DirectoryError(`domain ${name} already exists`);
    await this.#db.insert(domains).values({ name, createdAt: Date.now() });
  }

  async listDomains(): Promise<{ name: string; aliases: string[]; users: number }[]> {
    const rows = await this.#db.select().from(domains).orderBy(asc(domains.name));
    const aliasRows = await this.#db.select().from(domainAliases);
    const counts = await this.#db.select({ domain: users.domain, n: count() }).from(users).groupBy(users.domain);
    return rows.map((d) => ({
      name: d.name,
      aliases: aliasRows.filter((a) => a.target === d.name).map((a) => a.alias),
      users: counts.find((c) => c.domain === d.name)?.n ?? 0,
    }));
  }

  /** Every hosted domain and domain alias, without the per-domain user counts listDomains reads. From
   * the replica: its one reader (the spam stage) keeps the list for a minute anyway. */
  async domainNames(): Promise<string[]> {
    const db = this.#database.replica.db;
    const [own, alias] = await Promise.all([db.select({ name: domains.name }).from(domains), db.select({ name: domainAliases.alias }).from(domainAliases)]);
    return [...own, ...alias].map((r) => r.name);
  }

  async removeDomain(name: string): Promise<void> {
    const [user] = await this.#db.select({ id: users.id }).from(users).where(eq(users.domain, name)).limit(1);
    if (user) throw new DirectoryError(`domain ${name} still has users; remove them first`);
    const removed = await this.#db.delete(domains).where(eq(domains.name, name)).returning();
    if (removed.length === 0) {
      const alias = await this.#db.delete(domainAliases).where(eq(domainAliases.alias, name)).returning();
      if (alias.length === 0) throw new DirectoryError(`no domain ${name}`);
    }
  }

  async addDomainAlias(alias: string, target: string): Promise<void> {
    if (await this.#canonicalDomain(alias)) throw new DirectoryError(`domain ${alias} already exists`);
    const [t] = await this.#db.select().from(domains).where(eq(domains.name, target));
    if (!t) throw new DirectoryError(`no domain ${target}; add it first`);
    await this.#db.insert(domainAliases).values({ alias, target, createdAt: Date.now() });
  }

  /** The hosted domain a name stands for (itself, or the target of a domain alias), or null. The
   * pipeline asks for every recipient of every message sent: one statement of constant text (the
   * client keeps it prepared), as building two drizzle queries cost more than SQLite answering them. */
  async #canonicalDomain(name: string, client = this.#database.client): Promise<string | null> {
    const { rows } = await client.execute({
      sql: "SELECT name FROM domains WHERE name = ?1 UNION ALL SELECT target FROM domain_aliases WHERE alias = ?1 LIMIT 1",
      args: [name],
    });
    return rows.length > 0 ? String(rows[0]![0]) : null;
  }

  async isHostedDomain(name: string): Promise<boolean> {
    return (await this.#canonicalDomain(name)) !== null;
  }

  // ── users ──────────────────────────────────────────────────────────────

  async insertUser(user: DirectoryUser): Promise<void> {
    const [d] = await this.#db.select().from(domains).where(eq(domains.name, user.domain));
    if (!d) throw new DirectoryError(`no domain ${user.domain}; add it first with: domain add ${user.domain}`);
    if (await this.#addressTaken(user.address)) throw new DirectoryError(`${user.address} already exists`);
    await this.#db.insert(users).values(user);
  }

  async #addressTaken(address: string): Promise<boolean> {
    const [u] = await this.#db.select({ id: users.id }).from(users).where(eq(users.address, address));
    const [a] = await this.#db.select({ a: aliases.address }).from(aliases).where(eq(aliases.address, address));
    return Boolean(u || a);
  }

  async userById(id: string): Promise<DirectoryUser | null> {
    const [u] = await this.#db.select().from(users).where(eq(users.id, id));
    return u ?? null;
  }

  async userByAddress(address: string): Promise<DirectoryUser | null> {
    const [u] = await this.#db.select().from(users).where(eq(users.address, address));
    return u ?? null;
  }

  async listUsers(domain?: string): Promise<DirectoryUser[]> {
    const q = this.#db.select().from(users);
    return domain ? q.where(eq(users.domain, domain)).orderBy(asc(users.address)) : q.orderBy(asc(users.address));
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.#db.update(users).set({ passwordHash }).where(eq(users.id, id));
  }

  /** Marks the user as moving to `to` (`region/shard`), or clears the mark (null). */
  async setMoving(id: string, to: string | null): Promise<void> {
    await this.#db.update(users).set({ movingTo: to }).where(eq(users.id, id));
  }

  /** Points the user at another shard of this region, the mark cleared in the same write: the
   * switch of a move (mailbox-move/move.ts). */
  async switchShard(id: string, shard: string): Promise<void> {
    await this.#db.update(users).set({ shard, movingTo: null }).where(eq(users.id, id));
  }

  /** Removes the user (and their aliases) leaving no bytes of them in the files: their home moved to
   * another region, whose residency this region must not keep a copy against. */
  async eraseUser(id: string): Promise<void> {
    const tx = await this.#database.client.transaction("write");
    try {
      // Deleted cells are zeroed rather than left in the page's free space.
      await tx.execute("PRAGMA secure_delete = ON");
      // By name, not by the cascade: foreign keys are on only for the connection Directory.open set up.
      await tx.execute({ sql: "DELETE FROM aliases WHERE user_id = ?", args: [id] });
      await tx.execute({ sql: "DELETE FROM users WHERE id = ?", args: [id] });
      await tx.commit();
    } finally {
      tx.close();
    }
    // Earlier updates of the row (the move's own mark) left copies of it in the pages' free space, which
    // secure_delete does not reach: an embedded directory is small enough to rewrite whole.
    if (this.#database.url.startsWith("file:")) await this.#database.client.execute("VACUUM");
    await settleWal(this.#database.url, this.#database.client);
  }

  async deleteUser(id: string): Promise<void> {
    await this.#db.delete(users).where(eq(users.id, id));
  }

  // ── aliases ────────────────────────────────────────────────────────────

  async addAlias(address: string, userId: string): Promise<void> {
    const parsed = parseAddress(address);
    if (!parsed) throw new DirectoryError(`${address} is not a mail address`);
    if (!(await this.#canonicalDomain(parsed.domain))) throw new DirectoryError(`${parsed.domain} is not a hosted domain`);
    if (await this.#addressTaken(address)) throw new DirectoryError(`${address} already exists`);
    await this.#db.insert(aliases).values({ address, userId, createdAt: Date.now() });
  }

  async listAliases(): Promise<{ address: string; target: string }[]> {
    return this.#db
      .select({ address: aliases.address, target: users.address })
      .from(aliases)
      .innerJoin(users, eq(users.id, aliases.userId))
      .orderBy(asc(aliases.address));
  }

  async removeAlias(address: string): Promise<void> {
    const removed = await this.#db.delete(aliases).where(eq(aliases.address, address)).returning();
    if (removed.length === 0) throw new DirectoryError(`no alias ${address}`);
  }

  // ── DKIM ───────────────────────────────────────────────────────────────

  async setDkimKey(domain: string, selector: string, privateKey: string): Promise<void> {
    const [d] = await this.#db.select().from(domains).where(eq(domains.name, domain));
    if (!d) throw new DirectoryError(`no domain ${domain}; add it first with: domain add ${domain}`);
    await this.#db
      .insert(dkimKeys)
      .values({ domain, selector, privateKey, createdAt: Date.now() })
      .onConflictDoUpdate({ target: dkimKeys.domain, set: { selector, privateKey, createdAt: Date.now() } });
  }

  /** Read for every message sent (as #canonicalDomain is, without drizzle's query building). */
  async dkimKey(domain: string): Promise<{ domain: string; selector: string; privateKey: string } | null> {
    const { rows } = await this.#database.client.execute({ sql: "SELECT domain, selector, private_key FROM dkim_keys WHERE domain = ?", args: [domain] });
    const k = rows[0];
    return k ? { domain: String(k[0]), selector: String(k[1]), privateKey: String(k[2]) } : null;
  }

  // ── resolution ─────────────────────────────────────────────────────────

  /** Who receives mail for `address` (as given in RCPT TO), in the order Postfix would look.
   * `mayLag`: the MX's recipient check, which keeps found users for seconds anyway (recipient-cache.ts),
   * asks the replica first; only a user found there is taken from it. Anything else is asked again of
   * the primary: an address created a moment ago must not get a permanent 550 from a replica behind. */
  async resolve(address: string, options: { mayLag?: boolean } = {}): Promise<Resolution> {
    const { replica } = this.#database;
    if (options.mayLag && replica.client !== this.#database.client) {
      // A replica that does not answer is no reason to defer mail the primary can place.
      const found = await this.#resolveOn(address, replica).catch(() => null);
      if (found?.kind === "user" || found?.kind === "invalid") return found;
    }
    return this.#resolveOn(address, this.#database);
  }

  async #resolveOn(address: string, source: { client: Database<typeof directorySchema>["client"]; db: Database<typeof directorySchema>["db"] }): Promise<Resolution> {
    const parsed = parseAddress(address);
    if (!parsed) return { kind: "invalid" };
    const domain = await this.#canonicalDomain(parsed.domain, source.client);
    if (!domain) return { kind: "not-local" };
    const exact = `${parsed.local}@${domain}`;
    const base = withoutSubaddress({ local: parsed.local, domain });
    const candidates = [...new Set([exact, `${base.local}@${base.domain}`])];
    const [userRows, aliasRows] = await Promise.all([
      source.db.select().from(users).where(inArray(users.address, candidates)),
      source.db
        .select({ address: aliases.address, user: users })
        .from(aliases)
        .innerJoin(users, eq(users.id, aliases.userId))
        .where(inArray(aliases.address, candidates)),
    ]);
    // An exact match (alias or user) wins over the subaddress-stripped one.
    for (const candidate of candidates) {
      const user = userRows.find((u) => u.address === candidate) ?? aliasRows.find((a) => a.address === candidate)?.user;
      if (user) return { kind: "user", user };
    }
    return { kind: "unknown-user", candidates };
  }

  async aliasesOf(userId: string): Promise<string[]> {
    const rows = await this.#db.select({ address: aliases.address }).from(aliases).where(eq(aliases.userId, userId));
    return rows.map((r) => r.address);
  }
}
