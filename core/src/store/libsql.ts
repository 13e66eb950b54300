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
  client: Client;
  db: LibSQLDatabase<S>;
}

export async function openDatabase<S extends Record<string, unknown>>(
  url: string,
  schema: S,
  migrations: "shard" | "directory" | "queue",
  authToken?: string,
): Promise<Database<S>> {
  if (url.startsWith("file:")) mkdirSync(path.dirname(url.slice("file:".length)), { recursive: true });
  // timeout is SQLite's busy timeout: the CLI and the running core share these files.
  const client = createClient({ url, authToken, timeout: 10_000 });
  if (url.startsWith("file:")) {
    // WAL lets readers (the API) run beside the writer (the pipeline); synchronous stays FULL (the
    // default) so a committed filing survives power loss, as the spool's "done" record assumes.
    await client.execute("PRAGMA journal_mode=WAL");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: path.join(MIGRATIONS_ROOT, migrations) });
  return { url, client, db };
}
