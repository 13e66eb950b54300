// Starts a real core for a test: temp data folder, ephemeral ports, local R2 on disk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createUser } from "../../core/src/mailbox/accounts.ts";
import { loadConfig, type Config } from "../../core/src/config.ts";
import { startCore, type CoreOptions, type RunningCore } from "../../core/src/core.ts";
import { sharedTestDns } from "./dns-server.ts";
import { startChild, type Child } from "./process.ts";

export const TEST_SECRET = "test-internal-signing-secret-0123456789abcdef";

export function testConfig(dataDir: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: dataDir,
    SMTP_PORT: "0",
    SUBMISSION_PORT: "0",
    API_PORT: "0",
    INTERNAL_SIGNING_SECRET: TEST_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    HOSTNAME: "mx.test",
    ...overrides,
  });
}

export interface TempCore extends RunningCore {
  dataDir: string;
  addUser(address: string, password?: string, quotaBytes?: number): Promise<{ id: string; address: string; shard: string }>;
  /** Stops the core and removes its data. */
  destroy(): Promise<void>;
}

/** `overrides` are config variables, e.g. `{ EDGE_URL: receiver.url }` for a core that pushes its
 * mailbox events (without it the notifier is off); `options` e.g. a clock for the login limits. */
export async function startTempCore(overrides: Record<string, string> = {}, dataDir?: string, options: CoreOptions = {}): Promise<TempCore> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), "edgemail-test-"));
  const core = await startCore(testConfig(dir, { DNS_SERVERS: (await sharedTestDns()).address, ...overrides }), options);
  return Object.assign(core, {
    dataDir: dir,
    async addUser(address: string, password = "correct horse battery", quotaBytes = 1024 ** 3) {
      const domain = address.split("@")[1]!;
      if (!(await core.directory.isHostedDomain(domain))) await core.directory.addDomain(domain);
      return createUser({ directory: core.directory, shards: core.shards }, { address, password, quotaBytes, region: core.config.region });
    },
    async destroy() {
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

const CORE_MAIN = path.resolve(import.meta.dirname, "../../core/src/main.ts");

/** A core as a process of its own (`npm run core`), for tests that kill it; resolves once it serves,
 * with how many spooled messages it recovered on start. `env` may set EDGE_URL like startTempCore. */
export async function startCoreProcess(dataDir: string, env: Record<string, string>): Promise<{ child: Child; recovered: number }> {
  // Ports the caller does not name are ephemeral, so a test never collides with a running system.
  const dns = await sharedTestDns();
  const child = startChild([CORE_MAIN], { DATA_DIR: dataDir, INTERNAL_SIGNING_SECRET: TEST_SECRET, LOG_LEVEL: "info", SUBMISSION_PORT: "0", DNS_SERVERS: dns.address, ...env });
  const m = await child.waitFor(/"msg":"core started".*?"recovered":(\d+)/);
  return { child, recovered: Number(m[1]) };
}
