// The shard map: named libSQL databases, each holding whole mailboxes. A new user is placed by
// rendezvous hashing of its id; the placement is recorded in the directory, so a later change of
// the map moves users deliberately (copy, then switch the directory entry) rather than by accident.
import { answeredRecently, openDatabase, PROBE_FRESH_MS, type Database } from "./libsql.ts";
import { rendezvousPick } from "./rendezvous.ts";
import { shardSchema } from "./shard-schema.ts";
import { StoreUnavailableError } from "./unavailable.ts";
import { WriteLock } from "./write-lock.ts";

export type ShardDatabase = Database<typeof shardSchema> & {
  name: string;
  writeLock: WriteLock;
  /** Further connections to this shard made by its users (sending.ts), closed with it. */
  closers: (() => void)[];
};
/** The shard's database or an open transaction on it: helpers used inside a transaction must use it,
 * since another pooled connection would wait on the transaction's own write lock. */
export type Queryable = ShardDatabase["db"] | Parameters<Parameters<ShardDatabase["db"]["transaction"]>[0]>[0];

/** A shard of the map (SHARDS, SHARD_REPLICAS): its primary, and a replica of it if there is one. */
export interface ShardMapEntry {
  name: string;
  url: string;
  replicaUrl?: string;
}

export class Shards {
  readonly #byName: Map<string, ShardDatabase>;

  private constructor(shards: ShardDatabase[]) {
    this.#byName = new Map(shards.map((s) => [s.name, s]));
  }

  static async open(map: ShardMapEntry[], authToken?: string): Promise<Shards> {
    const shards = await Promise.all(
      map.map(async ({ name, url, replicaUrl }) => ({
        name,
        writeLock: new WriteLock(),
        closers: [],
        ...(await openDatabase(url, shardSchema, "shard", authToken, replicaUrl)),
      })),
    );
    return new Shards(shards);
  }

  /** Whether any shard is a libSQL server rather than an embedded file (every request a round trip). */
  get remote(): boolean {
    return [...this.#byName.values()].some((s) => !s.url.startsWith("file:"));
  }

  get names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Where a new user's mailbox goes. */
  place(userId: string): string {
    return rendezvousPick(this.names, userId);
  }

  get(name: string): ShardDatabase {
    const shard = this.#byName.get(name);
    if (!shard) throw new Error(`shard "${name}" is not in the shard map (SHARDS); the directory points a user at it`);
    return shard;
  }

  /** Fails (StoreUnavailableError) unless each named shard's primary answers now. The MX asks before
   * it answers 250 to DATA: mail for a shard that is down stays with its sender (451), since the spool
   * must not hold what cannot be filed. Embedded files are always there; a server that answered in the
   * last moment (the RCPT check's quota read) is not asked again. */
  async probe(names: Iterable<string>): Promise<void> {
    await Promise.all(
      [...new Set(names)].map(async (name) => {
        const shard = this.get(name);
        if (shard.url.startsWith("file:") || answeredRecently(shard.client, PROBE_FRESH_MS)) return;
        await shard.client.execute("SELECT 1").catch((err: unknown) => {
          throw new StoreUnavailableError(`shard ${name}`, { cause: err });
        });
      }),
    );
  }

  close(): void {
    for (const shard of this.#byName.values()) {
      for (const close of shard.closers.splice(0)) close();
      if (shard.replica.client !== shard.client) shard.replica.client.close();
      shard.client.close();
    }
  }
}
