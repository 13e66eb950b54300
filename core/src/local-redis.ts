// Debian's redis-server as `npm start`, the tests and the benchmark run it: loopback only, a free port,
// its files under one folder. Production uses Upstash (or another Redis behind the Upstash REST protocol)
// as a service of its own; nothing here runs there.
//
// Append-only file on (fsync once a second), no snapshots: the nonces would not need it (they outlive
// nothing but their two-minute window), but the login counts do — a per-account count is kept a day, and
// a restart of `npm start` must not hand a guesser a fresh allowance.
//
// Like local-sqld.ts, a shell keeps a reader on a pipe from this process and then becomes redis-server;
// when this process ends in any way, the pipe closes and the server gets SIGTERM: no orphans.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.ts";

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

const WATCHDOG = 'exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -TERM $$ 2>/dev/null) & exec 3<&-; exec "$0" "$@" </dev/null';

/** Starts redis-server in `dir` (made if missing) on `port` (a free one when not given: give the same
 * one again to restart it where clients look for it). */
export async function startRedisServer(dir: string, port?: number): Promise<RedisServer> {
  const bin = redisServerBinary();
  if (!bin) throw new Error("redis-server is not installed (Debian: apt-get install redis-server; or set REDIS_SERVER to its path)");
  mkdirSync(dir, { recursive: true });
  const listen = port ?? (await freePort());
  const args = ["--bind", "127.0.0.1", "--port", String(listen), "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--logfile", "", "--loglevel", "warning"];
  const logFile = path.join(dir, "redis.log");
  const logFd = openSync(logFile, "a");
  const child = spawn("/bin/sh", ["-c", WATCHDOG, bin, ...args], { stdio: ["pipe", logFd, logFd] });
  closeSync(logFd);
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.unref();
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      ended = true;
      resolve();
    }),
  );
  const server: RedisServer = {
    port: listen,
    url: `redis://127.0.0.1:${listen}`,
    pid: child.pid!,
    dir,
    exited,
    kill(signal) {
      if (!ended) child.kill(signal);
    },
    async stop() {
      if (ended) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      child.stdin?.destroy();
    },
  };
  const deadline = Date.now() + 20_000;
  while (!(await pong(listen))) {
    if (ended) throw new Error(`redis-server exited before it was up (log: ${logFile}):\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`redis-server did not answer PING on port ${listen} in time (log: ${logFile}):\n${tail(logFile)}`);
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

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-2000);
  } catch {
    return "";
  }
}
