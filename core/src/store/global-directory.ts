// Which region is an address's home, for every region's MX (at RCPT) and the edge (at login). Where it
// lives: a libSQL database with one primary and a read replica beside each region's cores (sqld or
// Turso replicas; locally one file all regions' cores open), not Cloudflare KV or D1. The MX asks it
// for every recipient it does not know, so it must answer from the region in a millisecond; a user
// created a moment ago must be found at once (KV is eventually consistent for up to a minute, and a
// 550 for a new address is permanent); and the cores write it when a user is added, which D1 would
// only allow through Cloudflare's HTTP API. The edge reaches it through a core (GET
// /internal/v1/homes/:pointer). It holds pointers only — a keyed hash of each address and its home
// region — so nothing that names a user is written outside their region (README "Regions").
import { and, eq, inArray } from "drizzle-orm";
import { addressPointer } from "../../../shared/address-pointer.ts";
import { openDatabase, type Database } from "./libsql.ts";
import { addressHomes, domainRegions, globalDirectorySchema } from "./global-directory-schema.ts";
import { DirectoryError } from "./directory.ts";

export interface Home {
  region: string;
  /** The region the user is being moved to, or null. */
  movingTo: string | null;
}

export class GlobalDirectory {
  readonly #database: Database<typeof globalDirectorySchema>;
  readonly #secret: string;

  private constructor(database: Database<typeof globalDirectorySchema>, secret: string) {
    this.#database = database;
    this.#secret = secret;
  }

  /** `secret`: the key of the address pointers (INTERNAL_SIGNING_SECRET, which the edge holds too). */
  static async open(url: string, secret: string, authToken?: string, replicaUrl?: string): Promise<GlobalDirectory> {
    return new GlobalDirectory(await openDatabase(url, globalDirectorySchema, "global", authToken, replicaUrl), secret);
  }

  close(): void {
    if (this.#database.replica.client !== this.#database.client) this.#database.replica.client.close();
    this.#database.client.close();
  }

  pointer(address: string): Promise<string> {
    return addressPointer(this.#secret, address);
  }

  /** The home of the first of `addresses` (normalised, in order of preference) that has one. */
  async homeOf(addresses: string[]): Promise<Home | null> {
    const pointers = await Promise.all(addresses.map((a) => this.pointer(a)));
    return this.homeByPointer(pointers);
  }

  /** The region other than `own` that is home to the first of `addresses` with a home, or null. */
  async elsewhere(addresses: string[], own: string): Promise<string | null> {
    const home = await this.homeOf(addresses);
    return home && home.region !== own ? home.region : null;
  }

  async homeByPointer(pointers: string[]): Promise<Home | null> {
    if (pointers.length === 0) return null;
    const rows = await this.#database.db.select().from(addressHomes).where(inArray(addressHomes.pointer, pointers));
    for (const p of pointers) {
      const row = rows.find((r) => r.pointer === p);
      if (row) return { region: row.region, movingTo: row.movingTo };
    }
    return null;
  }

  /** Claims `address` for `region`: an address is unique across all regions. */
  async claim(address: string, region: string): Promise<void> {
    const pointer = await this.pointer(address);
    const inserted = await this.#database.db.insert(addressHomes).values({ pointer, region, updatedAt: Date.now() }).onConflictDoNothing().returning();
    if (inserted.length === 0) {
      const [row] = await this.#database.db.select().from(addressHomes).where(eq(addressHomes.pointer, pointer));
      throw new DirectoryError(`${address} already exists${row && row.region !== region ? ` (in region ${row.region})` : ""}`);
    }
  }

  /** Gives an address up (its user or alias was removed in `region`). */
  async release(address: string, region: string): Promise<void> {
    await this.#database.db.delete(addressHomes).where(and(eq(addressHomes.pointer, await this.pointer(address)), eq(addressHomes.region, region)));
  }

  /** Marks the addresses' user as moving to `to` (null: the move is over or abandoned). */
  async setMoving(addresses: string[], to: string | null): Promise<void> {
    const pointers = await Promise.all(addresses.map((a) => this.pointer(a)));
    await this.#database.db.update(addressHomes).set({ movingTo: to, updatedAt: Date.now() }).where(inArray(addressHomes.pointer, pointers));
  }

  /** Makes `region` the addresses' home and ends their move: the switch of a move between regions. */
  async moveHome(addresses: string[], region: string): Promise<void> {
    const pointers = await Promise.all(addresses.map((a) => this.pointer(a)));
    await this.#database.db.update(addressHomes).set({ region, movingTo: null, updatedAt: Date.now() }).where(inArray(addressHomes.pointer, pointers));
  }

  async addDomain(domain: string, regions: string[]): Promise<void> {
    const now = Date.now();
    await this.#database.db.insert(domainRegions).values(regions.map((region) => ({ domain, region, createdAt: now }))).onConflictDoNothing();
  }

  async removeDomain(domain: string): Promise<void> {
    await this.#database.db.delete(domainRegions).where(eq(domainRegions.domain, domain));
  }

  async regionsOf(domain: string): Promise<string[]> {
    const rows = await this.#database.db.select({ region: domainRegions.region }).from(domainRegions).where(eq(domainRegions.domain, domain));
    return rows.map((r) => r.region).sort();
  }
}
