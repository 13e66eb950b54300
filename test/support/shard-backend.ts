// The databases a store test runs on: `file:` paths in a temporary folder (the embedded default), or,
// with TEST_SHARD_SERVER=sqld (the core-sqld project in CI), a sqld primary with one replica per
// database, started here and stopped by the test file's afterAll. The same tests run on both.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSqldPair, type SqldPair } from "../../core/src/local-sqld.ts";

export type ShardBackend = "file" | "sqld";
export const shardBackend: ShardBackend = process.env.TEST_SHARD_SERVER === "sqld" ? "sqld" : "file";

export interface TestDatabases {
  readonly dir: string;
  /** One database: a file in `dir`, or a new sqld pair. `replicaUrl` is set on sqld. */
  open(name: string): Promise<{ name: string; url: string; replicaUrl?: string }>;
  /** The sqld servers of a database opened here (sqld only), to kill and restart them. */
  servers(name: string): SqldPair;
  /** Stops every server started here. */
  close(): Promise<void>;
}

export function testDatabases(prefix: string, backend: ShardBackend = shardBackend): TestDatabases {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const pairs = new Map<string, SqldPair>();
  return {
    dir,
    async open(name) {
      if (backend === "file") return { name, url: `file:${path.join(dir, `${name}.db`)}` };
      const pair = await startSqldPair(path.join(dir, name));
      pairs.set(name, pair);
      return { name, url: pair.primary.url, replicaUrl: pair.replica.url };
    },
    servers(name) {
      const pair = pairs.get(name);
      if (!pair) throw new Error(`no sqld servers for ${name} (backend ${backend})`);
      return pair;
    },
    async close() {
      await Promise.all([...pairs.values()].map((p) => p.stop()));
    },
  };
}
