// Debian's redis-server as `npm start`, the tests and the benchmark run it: loopback only, a free port,
// its files under one folder. Production uses Upstash (or another Redis behind the Upstash REST protocol)
// as a service of its own; nothing here runs there.
//
// Append-only file on (fsync once a second), no snapshots: the nonces would not need it (they outlive
// nothing but their two-minute window), but the login counts do — a per-account count is kept a day, and
// a restart of `npm start` must not hand a guesser a fresh allowance.
//
// Started by local-server-process.ts: no orphaned servers, however this process ends.
import { existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.ts";
import { spawnServer } from "./local-server-process.ts";

/** Where Debian's package puts it (`apt-get install redis-server`); REDIS_SERVER names another (and
 * only that one: REDIS_SERVER=/nonexistent shows what happens without it). */
export function redisServerBinary(): string | null {
  const candidates = process.env.REDIS_SERVER ? [process.env.REDIS_SERVER] : ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export interface RedisServer {
  port: number;
  /** For node-redis: redis://127.0.0.1:port. */
  url: string;
  pid: number;
  dir: string;
  exited: Promise<void>;
  /** SIGTERM, then waits for the end (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Signals the server (SIGKILL: a crash) without waiting. */
  kill(signal: NodeJS.Signals): void;
}

/** Starts redis-server in `dir` (made if missing) on `port` (a free one when not given: give the same
 * one again to restart it where clients look for it). */
export async function startRedisServer(dir: string, port?: number): Promise<RedisServer> {
  const bin = redisServerBinary();
  if (!bin) throw new Error("redis-server is not installed (Debian: apt-get install redis-server; or set REDIS_SERVER to its path)");
  mkdirSync(dir, { recursive: true });
  const listen = port ?? (await freePort());
  const args = ["--bind", "127.0.0.1", "--port", String(listen), "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--logfile", "", "--loglevel", "warning"];
  const logFile = path.join(dir, "redis.log");
  const proc = spawnServer(bin, args, logFile);
  const server: RedisServer = {
    port: listen,
    url: `redis://127.0.0.1:${listen}`,
    pid: proc.pid,
    dir,
    exited: proc.exited,
    kill: proc.kill,
    stop: proc.stop,
  };
  const deadline = Date.now() + 20_000;
  while (!(await pong(listen))) {
    if (proc.ended()) throw new Error(`redis-server exited before it was up (log: ${logFile}):\n${proc.logTail()}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`redis-server did not answer PING on port ${listen} in time (log: ${logFile}):\n${proc.logTail()}`);
    }
    await sleep(25);
  }
  return server;
}

/** PING in the inline protocol; true once it answers +PONG (not while it loads its append-only file). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let got = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      got += chunk.toString();
      if (got.includes("\r\n")) done(got.startsWith("+PONG"));
    });
  });
}
