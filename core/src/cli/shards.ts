// `shard add <name> [--url …] [--replica-url …] [--rebalance]` and `shard list`: growing a running
// region's shard map. The new shard is migrated and checked before it is recorded in the directory's
// shard_map, so that from the moment any core sees it, it can take a user; the command then waits until
// every isolate of every running core has opened it (shard_map_readers), and only then moves anyone.
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { count } from "drizzle-orm";
import type { Config } from "../config.ts";
import type { Directory } from "../store/directory.ts";
import { openDatabase, type Database } from "../store/libsql.ts";
import { rendezvousPick } from "../store/rendezvous.ts";
import { DuplicateShardError, isLive, READER_HEARTBEAT_MS, ShardMapTable, type AddedShard, type ShardMapReader } from "../store/shard-map.ts";
import { mailboxes, shardSchema } from "../store/shard-schema.ts";
import type { ShardMapEntry, Shards } from "../store/shards.ts";
import { RefusedError, UsageError } from "./errors.ts";
import { describeRebalance, rebalanceShards, type MoveCommandDeps } from "./move.ts";
import { progressBar } from "./progress.ts";

/** How long `shard add` waits for the running cores: a gone one (3 heartbeats of silence) is let go
 * well before, one that polls more slowly than the heartbeat gets a few of its polls. */
const ackWaitMs = (readers: ShardMapReader[]) => Math.max(6 * READER_HEARTBEAT_MS, ...readers.map((r) => 4 * r.pollMs));

const NAME = /^[a-z0-9_-]{1,32}$/;
const URL_SCHEME = /^(file:|libsql:|https?:|wss?:)/;

/** The same database however its URL is spelled (a file by its absolute path). */
function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => (u.startsWith("file:") ? `file:${path.resolve(u.slice("file:".length))}` : u.replace(/\/+$/, ""));
  return norm(a) === norm(b);
}

/** Why `entry` cannot join the map, or null. */
function duplicateOf(entry: ShardMapEntry, shards: Shards, added: AddedShard[]): string | null {
  const recorded = added.find((a) => a.name === entry.name);
  if (recorded) return `shard "${entry.name}" is already in the shard map (added ${new Date(recorded.addedAt).toISOString()} with shard add, at ${recorded.url}); shard list shows it`;
  if (shards.names.includes(entry.name)) return `shard "${entry.name}" is already in the shard map (configured in SHARDS / SHARD_COUNT)`;
  for (const other of shards.entries) {
    for (const url of [entry.url, entry.replicaUrl]) {
      if (url && (sameUrl(url, other.url) || (other.replicaUrl && sameUrl(url, other.replicaUrl)))) return `${url} is already shard "${other.name}" of the map`;
    }
  }
  return null;
}

/** Migrates the shard as Shards.open would, and checks that it answers (its replica too) and is empty. */
async function prepare(entry: ShardMapEntry, authToken: string | undefined): Promise<void> {
  let database: Database<typeof shardSchema> | null = null;
  try {
    database = await openDatabase(entry.url, shardSchema, "shard", authToken, entry.replicaUrl);
    await database.replica.client.execute("SELECT 1");
    const [held] = await database.db.select({ n: count() }).from(mailboxes);
    // Mailboxes the directory does not point at: most likely another region's (or map's) shard.
    if (held && held.n > 0) throw new RefusedError(`${entry.url} holds ${held.n} mailbox(es) already; a new shard must be empty (is it another region's shard?)`);
  } catch (err) {
    if (err instanceof RefusedError) throw err;
    throw new RefusedError(`shard "${entry.name}" at ${entry.url}${entry.replicaUrl ? ` (replica ${entry.replicaUrl})` : ""} does not answer or cannot be migrated: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (database && database.replica.client !== database.client) database.replica.client.close();
    database?.client.close();
  }
}

/** The readers heard from lately, and those of them that have not opened `seq` yet. */
async function readerState(table: ShardMapTable, seq: number): Promise<{ live: ShardMapReader[]; behind: ShardMapReader[] }> {
  const live = (await table.readers()).filter((r) => isLive(r));
  return { live, behind: live.filter((r) => r.seq < seq) };
}

const coresOf = (readers: ShardMapReader[]) => new Set(readers.map((r) => r.reader.split("/").slice(0, -1).join("/"))).size;

/** Waits until every isolate of every running core has opened the shard recorded as `seq`. A reader
 * that stops reporting (its core stopped or crashed) is let go once stale. */
async function waitForCores(table: ShardMapTable, name: string, seq: number): Promise<ShardMapReader[]> {
  const started = Date.now();
  let bar: ReturnType<typeof progressBar> | null = null;
  try {
    for (;;) {
      const { live, behind } = await readerState(table, seq);
      if (behind.length === 0) return live;
      const waitMs = ackWaitMs(live);
      bar ??= progressBar(`waiting for the cores to open ${name}`, live.length);
      bar.update(live.length - behind.length, `${live.length - behind.length}/${live.length} isolates`);
      if (Date.now() - started > waitMs) {
        throw new RefusedError(
          `shard "${name}" is in the shard map, but ${behind.map((r) => r.reader).join(", ")} ha${behind.length === 1 ? "s" : "ve"} not opened it after ${Math.round(waitMs / 1000)} s (their log says why: "shard map: …"). Until they have, users must not be moved there: run shard rebalance once shard list shows every core has it`,
        );
      }
      await sleep(200);
    }
  } finally {
    bar?.finish();
  }
}

export interface ShardAddOptions {
  url?: string;
  replicaUrl?: string;
  rebalance?: boolean;
}

export async function shardAddCommand(name: string, options: ShardAddOptions, deps: MoveCommandDeps): Promise<void> {
  const { config, directory, shards } = deps;
  if (!NAME.test(name)) throw new UsageError(`shard name "${name}": lower-case letters, digits, - and _ (at most 32)`);
  const url = options.url ?? `file:${path.join(config.dataDir, "shards", `${name}.db`)}`;
  if (!URL_SCHEME.test(url)) throw new UsageError(`--url ${url} is not a libSQL URL (file:, libsql:, http(s):)`);
  if (options.replicaUrl !== undefined) {
    if (!URL_SCHEME.test(options.replicaUrl) || options.replicaUrl.startsWith("file:")) throw new UsageError(`--replica-url ${options.replicaUrl} must be a libSQL server URL (libsql:, http(s):), not a file`);
    if (url.startsWith("file:")) throw new UsageError("--replica-url needs --url naming the shard's primary server (a file has no replica)");
  }
  const entry: ShardMapEntry = options.replicaUrl ? { name, url, replicaUrl: options.replicaUrl } : { name, url };
  const table = new ShardMapTable(directory);
  const duplicate = duplicateOf(entry, shards, await table.since(0));
  if (duplicate) throw new RefusedError(duplicate);

  await prepare(entry, config.libsqlAuthToken);
  const added = await table.add(entry).catch((err: unknown) => {
    throw err instanceof DuplicateShardError ? new RefusedError(err.message) : err;
  });
  const readers = await waitForCores(table, name, added.seq);
  await shards.refresh();

  const users = await directory.listUsers();
  const toMove = users.filter((u) => rendezvousPick(shards.names, u.id) !== u.shard).length;
  const opened = readers.length > 0 ? `every running core of region ${config.region} has opened it (${coresOf(readers)} core(s), ${readers.length} isolates)` : `no core of region ${config.region} is running; each opens it when it starts`;
  const json = { name, url, ...(entry.replicaUrl ? { replicaUrl: entry.replicaUrl } : {}), seq: added.seq, cores: coresOf(readers), isolates: readers.length, toMove };
  const lines = [`shard ${name} added (${url}); ${opened}. New users may be placed on it from now on.`];
  if (!options.rebalance) {
    lines.push(`${toMove} of ${users.length} users would now be placed elsewhere; to move them: npm run cli -- shard rebalance${config.regions ? ` --region ${config.region}` : ""}`);
    return deps.out(lines.join("\n"), json);
  }
  const r = await rebalanceShards(deps);
  lines.push(describeRebalance(r));
  deps.out(lines.join("\n"), { ...json, rebalance: { moved: r.moved, usersPerShard: r.usersPerShard } });
}

export async function shardListCommand(deps: { config: Config; directory: Directory; shards: Shards; out: MoveCommandDeps["out"] }): Promise<void> {
  const { config, directory, shards } = deps;
  const counts = new Map<string, number>();
  for (const u of await directory.listUsers()) counts.set(u.shard, (counts.get(u.shard) ?? 0) + 1);
  const table = new ShardMapTable(directory);
  const added = await table.since(0);
  const { live } = await readerState(table, 0);
  const list = shards.entries.map((s) => {
    const a = added.find((x) => x.name === s.name && !config.shards.some((c) => c.name === s.name));
    return {
      ...s,
      users: counts.get(s.name) ?? 0,
      source: a ? ("added" as const) : ("config" as const),
      ...(a ? { addedAt: a.addedAt, openedBy: live.filter((r) => r.seq >= a.seq).length, of: live.length } : {}),
    };
  });
  const lines = list.map((s) => `${s.name.padEnd(12)} ${String(s.users).padStart(8)} users  ${s.url}${s.source === "added" ? `  (added ${new Date(s.addedAt!).toISOString().slice(0, 19)}; opened by ${s.openedBy} of ${s.of} running isolates)` : ""}`);
  deps.out(lines.join("\n"), list);
}
