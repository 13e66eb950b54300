// Child processes and ports for tests that run the system the way an operator does.
import { spawn, type ChildProcess } from "node:child_process";

export { freePort } from "../../core/src/free-port.ts";

export interface Child {
  process: ChildProcess;
  /** Signals the child's whole process group (a core's local-R2 workerd with it), as a crash or an
   * operator's stop would. */
  kill(signal: NodeJS.Signals): void;
  output(): string;
  /** Resolves when the combined output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export interface ChildOptions {
  /** Another program than this Node (e.g. "npm"); then `args` are its own and CHILD_NODE_ARGS is not added. */
  command?: string;
  cwd?: string;
  /** The environment `env` is added to; this process's by default. */
  baseEnv?: NodeJS.ProcessEnv;
}

export function startChild(args: string[], env: Record<string, string>, options: ChildOptions = {}): Child {
  // CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") reaches the started processes, for diagnosis.
  const nodeArgs = options.command ? [] : (process.env.CHILD_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(options.command ?? process.execPath, [...nodeArgs, ...args], {
    env: { ...(options.baseEnv ?? process.env), ...env },
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    kill(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out.slice(-3000)}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((code) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before ${pattern}; output:\n${out.slice(-3000)}`));
          }
        });
        check();
      });
    },
  };
}
