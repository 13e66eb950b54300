// The whole system as `npm start` runs it (core + the edge in Miniflare), on free ports and a temp data folder,
// for the end-to-end test and the send benchmark.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sharedTestDns } from "./dns-server.ts";
import { freePort, startChild, type Child } from "./process.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface System {
  /** The edge's base URL. */
  edge: string;
  smtpPort: number;
  submissionPort: number;
  apiPort: number;
  env: Record<string, string>;
  dataDir: string;
  process: Child;
  /** Runs the admin CLI against this system's data; resolves with its output. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** `dataDir`: start on the data of a system started before (a restart); the caller removes it. */
export async function startSystem(extraEnv: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<System> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "edgemail-system-"));
  // A port found free can be taken by a test running beside this one before the system binds it:
  // then start again on other ports.
  for (let attempt = 1; ; attempt++) {
    const [edgePort, apiPort, smtpPort, submissionPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      DATA_DIR: dataDir,
      EDGE_PORT: String(edgePort),
      API_PORT: String(apiPort),
      SMTP_PORT: String(smtpPort),
      SUBMISSION_PORT: String(submissionPort),
      LOG_LEVEL: "warn",
      // Every lookup of the system (SPF, DKIM, DMARC, MX) stays on loopback.
      DNS_SERVERS: (await sharedTestDns()).address,
      ...extraEnv,
    };
    const child = startChild([path.join(ROOT, "core/src/start-local.ts")], env);
    try {
      await child.waitFor(/edgemail is up/, 150_000);
    } catch (err) {
      child.kill("SIGKILL");
      if (attempt === 3 || !/EADDRINUSE|Address already in use/.test(child.output())) throw err;
      continue;
    }
    return {
      edge: `http://127.0.0.1:${edgePort}`,
      smtpPort,
      submissionPort,
      apiPort,
      env,
      dataDir,
      process: child,
      cli: async (...args) => (await promisify(execFile)(process.execPath, [path.join(ROOT, "core/src/cli/main.ts"), ...args], { env: { ...process.env, ...env } })).stdout,
      async stop() {
        child.kill("SIGTERM");
        await child.exited;
        if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}
