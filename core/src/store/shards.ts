// The shard map: named libSQL databases, each holding whole mailboxes. A new user is placed by
// rendezvous hashing of its id; the placement is recorded in the directory, so a later change of
// the map moves users deliberately (copy, then switch the directory entry) rather than by accident.
// The map is the configured seed (SHARDS / SHARD_COUNT) and the shards added to the region's
// directory since (shard-map.ts, `shard add`), which each isolate picks up by polling (watch).
import type { Directory } from "./directory.ts";
import { answeredRecently, openDatabase, PROBE_FRESH_MS, type Database } from "./libsql.ts";
import { rendezvousPick } from "./rendezvous.ts";
import { READER_HEARTBEAT_MS, ShardMapTable } from "./shard-map.ts";
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

/** A user's shard this process does not know even after looking at the directory's map again. Taken
 * as unavailable (451 at the MX, 503 from the API, the pipeline's retry): the usual cause is a shard
 * added a moment ago that this process has not opened yet, which the next look finds. */
export class UnknownShardError extends StoreUnavailableError {
  constructor(name: string) {
    super(`shard "${name}"`);
    this.message = `shard "${name}" is not in this process's shard map (SHARDS / SHARD_COUNT, or added with shard add), yet the directory points a user at it`;
  }
}

async function openShard({ name, url, replicaUrl }: ShardMapEntry, authToken: string | undefined): Promise<ShardDatabase> {
  return { name, writeLock: new WriteLock(), closers: [], ...(await openDatabase(url, shardSchema, "shard", authToken, replicaUrl)) };
}

export class Shards {
  readonly #byName: Map<string, ShardDatabase>;
  readonly #map: ShardMapTable | null;
  readonly #authToken: string | undefined;
  /** The last shard_map row this process has taken in (opened, or found in the seed already). */
  #seq: number;
  #loading: Promise<void> | null = null;
  #watch: { reader: string; timer: NodeJS.Timeout; tick: Promise<void> | null } | null = null;
  #closed = false;

  private constructor(shards: ShardDatabase[], map: ShardMapTable | null, seq: number, authToken: string | undefined) {
    this.#byName = new Map(shards.map((s) => [s.name, s]));
    this.#map = map;
    this.#seq = seq;
    this.#authToken = authToken;
  }

  /** `seed`: the configured map. `directory`: the region's, whose shard_map adds to the seed (a name
   * in both is the seed's); without it the map is the seed alone. */
  static async open(seed: ShardMapEntry[], authToken?: string, directory?: Pick<Directory, "database">): Promise<Shards> {
    const map = directory ? new ShardMapTable(directory) : null;
    const added = map ? await map.since(0) : [];
    const entries = [...seed, ...added.filter((a) => !seed.some((s) => s.name === a.name))];
    const shards = await Promise.all(entries.map((entry) => openShard(entry, authToken)));
    return new Shards(shards, map, Math.max(0, ...added.map((a) => a.seq)), authToken);
  }

  /** Whether any shard is a libSQL server rather than an embedded file (every request a round trip). */
  get remote(): boolean {
    return [...this.#byName.values()].some((s) => !s.url.startsWith("file:"));
  }

  get names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Every shard of the map with its primary and replica. */
  get entries(): ShardMapEntry[] {
    return [...this.#byName.values()].map(({ name, url, replica }) => (replica.url !== url ? { name, url, replicaUrl: replica.url } : { name, url }));
  }

  /** The highest shard_map seq this process has taken in. */
  get seq(): number {
    return this.#seq;
  }

  /** Where a new user's mailbox goes: among every shard of the map, the added ones too (README
   * "Moving users and shards": a shard is recorded only once it answers and is migrated). */
  place(userId: string): string {
    return rendezvousPick(this.names, userId);
  }

  /** A name this process does not know yet starts a look at the directory's map and fails with
   * UnknownShardError (try again): the callers that can wait for the look use `need`. */
  get(name: string): ShardDatabase {
    const shard = this.#byName.get(name);
    if (shard) return shard;
    this.refresh().catch(() => undefined);
    throw new UnknownShardError(name);
  }

  /** The named shard; one not known yet is looked for in the directory's map once before failing. */
  async need(name: string): Promise<ShardDatabase> {
    if (!this.#byName.has(name)) await this.refresh();
    const shard = this.#byName.get(name);
    if (!shard) throw new UnknownShardError(name);
    return shard;
  }

  /** Opens the shards added to the directory's map since the last look (one at a time, in order: one
   * that cannot be opened now is tried again at the next look, and holds back those after it). */
  refresh(): Promise<void> {
    if (!this.#map || this.#closed) return Promise.resolve();
    return (this.#loading ??= this.#load(this.#map).finally(() => (this.#loading = null)));
  }

  async #load(map: ShardMapTable): Promise<void> {
    for (const entry of await map.since(this.#seq)) {
      if (!this.#byName.has(entry.name)) {
        const shard = await openShard(entry, this.#authToken);
        if (this.#closed) return closeShard(shard);
        this.#byName.set(entry.name, shard);
      }
      this.#seq = entry.seq;
    }
  }

  /** Polls the directory's map every `everyMs` and records, as `reader`, what this process has opened
   * (on a change, and every READER_HEARTBEAT_MS): `shard add` waits for every reader. */
  watch(o: { reader: string; everyMs: number; onError: (err: unknown) => void }): void {
    const map = this.#map;
    if (!map || this.#watch || this.#closed) return;
    let reported = { seq: -1, at: 0 };
    const tick = async () => {
      // Reported even when a shard could not be opened: `shard add` then names this reader as behind,
      // rather than taking its silence for a core that is gone.
      const failure = await this.refresh().then(() => null, (err: unknown) => ({ err }));
      const now = Date.now();
      if (this.#seq !== reported.seq || now - reported.at >= READER_HEARTBEAT_MS) {
        await map.report(o.reader, this.#seq, o.everyMs, now);
        reported = { seq: this.#seq, at: now };
      }
      if (failure) throw failure.err;
    };
    const watch: { reader: string; timer: NodeJS.Timeout; tick: Promise<void> | null } = {
      reader: o.reader,
      tick: null,
      timer: setInterval(() => run(), o.everyMs).unref(),
    };
    const run = () => {
      watch.tick ??= tick()
        .catch(o.onError)
        .finally(() => (watch.tick = null));
    };
    this.#watch = watch;
    run();
  }

  /** Stops watching and strikes this reader off, so that `shard add` does not wait for it. */
  async unwatch(): Promise<void> {
    const watch = this.#watch;
    if (!watch) return;
    this.#watch = null;
    clearInterval(watch.timer);
    await watch.tick;
    await this.#map?.forget(watch.reader).catch(() => undefined);
  }

  /** Fails (StoreUnavailableError) unless each named shard's primary answers now. The MX asks before
   * it answers 250 to DATA: mail for a shard that is down stays with its sender (451), since the spool
   * must not hold what cannot be filed. Embedded files are always there; a server that answered in the
   * last moment (the RCPT check's quota read) is not asked again. */
  async probe(names: Iterable<string>): Promise<void> {
    await Promise.all(
      [...new Set(names)].map(async (name) => {
        const shard = await this.need(name);
        if (shard.url.startsWith("file:") || answeredRecently(shard.client, PROBE_FRESH_MS)) return;
        await shard.client.execute("SELECT 1").catch((err: unknown) => {
          throw new StoreUnavailableError(`shard ${name}`, { cause: err });
        });
      }),
    );
  }

  close(): void {
    this.#closed = true;
    if (this.#watch) clearInterval(this.#watch.timer);
    for (const shard of this.#byName.values()) closeShard(shard);
  }
}

function closeShard(shard: ShardDatabase): void {
  for (const close of shard.closers.splice(0)) close();
  if (shard.replica.client !== shard.client) shard.replica.client.close();
  shard.client.close();
}
