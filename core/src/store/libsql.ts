// Opens a libSQL database (a `file:` path in the embedded default, `libsql://`/`https://` for Turso or
// sqld in production) and brings its schema up to date with the drizzle migrations in migrations/.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";

const MIGRATIONS_ROOT = fileURLToPath(new URL("../../../migrations/", import.meta.url));

export interface Database<S extends Record<string, unknown>> {
  url: string;
  /** The primary: every write, and every read that must see the latest write. */
  client: Client;
  db: LibSQLDatabase<S>;
  /** A replica for reads that may lag behind the primary by its replication delay (milliseconds
   * on sqld); the primary itself when no replica is configured. See README "Shards on sqld". */
  replica: { url: string; client: Client; db: LibSQLDatabase<S> };
}

/** How long a request to a libSQL server may take before it fails. A primary that is down refuses the
 * connection at once; one that hangs (a paused VM, a black-holed route) must not hold an SMTP session
 * or an API call for longer than this: the caller answers 451 or 503 and the sender tries again. */
export const PRIMARY_TIMEOUT_MS = 15_000;
/** Shorter for a replica: what it is asked, the primary can answer. sqld's replica also holds a read
 * from a client that saw a newer write until it has caught up, which it cannot while its primary is
 * down. */
export const REPLICA_TIMEOUT_MS = 2_000;

/** A server that answered this recently is taken to be up (Shards.probe, Directory.probe). */
export const PROBE_FRESH_MS = 250;

/** When a server last answered and last failed to, per client (see `answeredRecently`). */
const health = new WeakMap<Client, { okAt: number; failedAt: number }>();

/** A libSQL client; `file:` is embedded, anything else a server whose requests are bounded in time. */
export function libsqlClient(url: string, o: { authToken?: string; timeoutMs: number }): Client {
  // timeout is SQLite's busy timeout: the CLI and the running core share these files.
  if (url.startsWith("file:")) return createClient({ url, authToken: o.authToken, timeout: 10_000 });
  const state = { okAt: 0, failedAt: 0 };
  const timed = async (input: Request, init?: RequestInit) => {
    try {
      // Uncompressed: sqld gzips its answers when asked, which cost both processes more CPU than the
      // statements themselves (profiled 2026-12-07); the server is near, and bandwidth is not the limit.
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      headers.set("accept-encoding", "identity");
      const res = await fetch(input, { ...init, headers, signal: AbortSignal.timeout(o.timeoutMs) });
      if (res.status < 500) state.okAt = Date.now();
      else state.failedAt = Date.now();
      return res;
    } catch (err) {
      state.failedAt = Date.now();
      throw err;
    }
  };
  const client = createClient({ url, authToken: o.authToken, fetch: timed });
  health.set(client, state);
  return client;
}

/** Whether the client's server answered within the last `ms` and has not failed since: a probe of it
 * would learn nothing new. Every request to sqld opens a stream (a connection on the server), the
 * main cost of a request, so the MX does not probe a server that just answered it. */
export function answeredRecently(client: Client, ms: number): boolean {
  const h = health.get(client);
  return h !== undefined && h.okAt > h.failedAt && Date.now() - h.okAt < ms;
}

export async function openDatabase<S extends Record<string, unknown>>(
  url: string,
  schema: S,
  migrations: "shard" | "directory" | "queue" | "global",
  authToken?: string,
  replicaUrl?: string,
): Promise<Database<S>> {
  if (url.startsWith("file:")) mkdirSync(path.dirname(url.slice("file:".length)), { recursive: true });
  const client = libsqlClient(url, { authToken, timeoutMs: PRIMARY_TIMEOUT_MS });
  if (url.startsWith("file:")) {
    // WAL lets readers (the API) run beside the writer (the pipeline); synchronous stays FULL (the
    // default) so a committed filing survives power loss, as the spool's "done" record assumes.
    await client.execute("PRAGMA journal_mode=WAL");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: path.join(MIGRATIONS_ROOT, migrations) });
  if (!replicaUrl) return { url, client, db, replica: { url, client, db } };
  const replicaClient = libsqlClient(replicaUrl, { authToken, timeoutMs: REPLICA_TIMEOUT_MS });
  return { url, client, db, replica: { url: replicaUrl, client: replicaClient, db: drizzle(replicaClient, { schema }) } };
}

/** After an erasure: the WAL's older frames still hold what was deleted, so an embedded file's WAL is
 * checkpointed and truncated (a reader in the middle of a read may delay this to the next checkpoint).
 * A server (sqld) checkpoints by itself. */
export async function settleWal(url: string, client: Client): Promise<void> {
  if (url.startsWith("file:")) await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
}
