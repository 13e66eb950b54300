// The part of a region's shard map kept in its directory (shard_map, directory-schema.ts): shards added
// while the region runs, and what each running isolate of its cores has opened of them. The configured
// map (SHARDS / SHARD_COUNT) stays the seed; these rows add to it, never replace it.
import { hostname } from "node:os";
import { asc, eq, gt } from "drizzle-orm";
import type { Directory } from "./directory.ts";
import { shardMap, shardMapReaders } from "./directory-schema.ts";

export interface AddedShard {
  seq: number;
  name: string;
  url: string;
  replicaUrl?: string;
  addedAt: number;
}

export interface ShardMapReader {
  /** `host/pid/isolate` (readerId). */
  reader: string;
  /** The highest shard_map seq it has opened (0: none added yet). */
  seq: number;
  seenAt: number;
  pollMs: number;
}

/** How often a watching isolate says it is there even when nothing changed. */
export const READER_HEARTBEAT_MS = 10_000;

/** A reader not heard from for this long is taken to be gone (a core stopped without saying so): a
 * few heartbeats, or a few of its polls if it polls more slowly than that. */
export function readerStaleMs(pollMs: number): number {
  return 3 * Math.max(READER_HEARTBEAT_MS, pollMs);
}

export function isLive(reader: ShardMapReader, now = Date.now()): boolean {
  return now - reader.seenAt < readerStaleMs(reader.pollMs);
}

/** This isolate's name among the readers: the core's isolates share the host and pid, not the part. */
export function readerId(isolate: string): string {
  return `${hostname()}/${process.pid}/${isolate}`;
}

export class DuplicateShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DuplicateShardError";
  }
}

export class ShardMapTable {
  readonly #db: Directory["database"];

  constructor(directory: Pick<Directory, "database">) {
    this.#db = directory.database;
  }

  /** The shards added after `seq`, oldest first: a range of the rowid, the whole cost of a poll. */
  async since(seq: number): Promise<AddedShard[]> {
    const rows = await this.#db.select().from(shardMap).where(gt(shardMap.seq, seq)).orderBy(asc(shardMap.seq));
    return rows.map(({ replicaUrl, ...r }) => (replicaUrl ? { ...r, replicaUrl } : r));
  }

  /** Records a shard; its name and url are each unique (a second `shard add` racing this one loses here). */
  async add(entry: { name: string; url: string; replicaUrl?: string }): Promise<AddedShard> {
    try {
      const [row] = await this.#db.insert(shardMap).values({ ...entry, replicaUrl: entry.replicaUrl ?? null, addedAt: Date.now() }).returning();
      const { replicaUrl, ...r } = row!;
      return replicaUrl ? { ...r, replicaUrl } : r;
    } catch (err) {
      if (/UNIQUE constraint failed/.test(String(err) + String((err as { cause?: unknown }).cause))) {
        throw new DuplicateShardError(`shard "${entry.name}" or its url ${entry.url} was recorded a moment ago by someone else`);
      }
      throw err;
    }
  }

  async report(reader: string, seq: number, pollMs: number, now = Date.now()): Promise<void> {
    await this.#db.insert(shardMapReaders).values({ reader, seq, seenAt: now, pollMs }).onConflictDoUpdate({ target: shardMapReaders.reader, set: { seq, seenAt: now, pollMs } });
  }

  async forget(reader: string): Promise<void> {
    await this.#db.delete(shardMapReaders).where(eq(shardMapReaders.reader, reader));
  }

  async readers(): Promise<ShardMapReader[]> {
    return this.#db.select().from(shardMapReaders).orderBy(asc(shardMapReaders.reader));
  }
}
