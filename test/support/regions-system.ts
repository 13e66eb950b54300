// `REGIONS=… npm start` for a test: the edge on a free port, every region's cores on ports of their
// own (read back from what the launcher records), a temp data folder.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { localRegions, type LocalRegion } from "../../core/src/local-regions.ts";
import { sharedTestDns } from "./dns-server.ts";
import { freePort, startChild, type Child } from "./process.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface RegionsSystem {
  edge: string;
  dataDir: string;
  regions: Record<string, LocalRegion>;
  process: Child;
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startRegionsSystem(regions: string[], extraEnv: Record<string, string> = {}): Promise<RegionsSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-regions-"));
  // As startSystem: a port found free can be taken by a test beside this one before the edge binds it.
  let edgePort = 0;
  let child: Child;
  for (let attempt = 1; ; attempt++) {
    edgePort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      REGIONS: regions.join(","),
      EDGE_PORT: String(edgePort),
      API_PORT: "0",
      SMTP_PORT: "0",
      SUBMISSION_PORT: "0",
      LOG_LEVEL: "warn",
      DNS_SERVERS: (await sharedTestDns()).address,
      ...extraEnv,
    };
    child = startChild([path.join(ROOT, "core/src/start-local.ts")], env);
    try {
      await child.waitFor(/edgemail is up/, 150_000);
      break;
    } catch (err) {
      child.kill("SIGKILL");
      await child.exited;
      if (attempt < 3 && /EADDRINUSE|Address already in use/.test(child.output())) continue;
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }
  const recorded = localRegions(dataDir)!;
  return {
    edge: `http://127.0.0.1:${edgePort}`,
    dataDir,
    regions: Object.fromEntries(recorded.map((r) => [r.name, r])),
    process: child,
    // The CLI is not told REGIONS: it finds them where the launcher recorded them.
    cli: async (...args) => (await promisify(execFile)(process.execPath, [path.join(ROOT, "core/src/cli/main.ts"), ...args], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn" } })).stdout,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
