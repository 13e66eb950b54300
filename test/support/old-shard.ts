// A shard database as an older release left it: the shard migrations up to `lastIdx` applied, for tests
// of a migration on data that existed before it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";

const MIGRATIONS = fileURLToPath(new URL("../../migrations/shard/", import.meta.url));

/** A copy of the shard migrations folder holding only those up to `lastIdx`. */
function migrationsUpTo(lastIdx: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
  mkdirSync(path.join(dir, "meta"));
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, "meta/_journal.json"), "utf8")) as { entries: { idx: number; tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  writeFileSync(path.join(dir, "meta/_journal.json"), JSON.stringify(journal));
  for (const e of journal.entries) copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/** A new shard file migrated up to `lastIdx`; the caller fills it through `client` and closes it. */
export async function oldShard(lastIdx: number): Promise<{ file: string; client: Client }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "shard-")), "s0.db");
  const client = createClient({ url: `file:${file}` });
  await migrate(drizzle(client), { migrationsFolder: migrationsUpTo(lastIdx) });
  return { file, client };
}
