// The core as a process: `npm run core` (or as part of `npm start`).
import { flushCompileCache } from "node:module";
import { ConfigError, loadConfig } from "./config.ts";
import { startCore } from "./core.ts";
import { log } from "./log.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const core = await startCore(config);
  // Every module is loaded by now: the next start finds them stripped and compiled (heap-limits.ts).
  flushCompileCache();
  const stop = () =>
    void core.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("core: unclean stop", { err });
        process.exit(1);
      },
    );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, stop);
  // Started by `npm start` (one of a region's several cores): up now, and stops when that process goes.
  if (process.send) {
    // blobsUrl: the local R2 emulator this core started, which the region's other cores share.
    process.send({ started: { smtpPort: core.smtpPort, submissionPort: core.submissionPort, apiPort: core.apiPort, blobsUrl: core.config.blobs.kind === "local" ? core.config.blobs.url : null } });
    process.once("disconnect", stop);
  }
}

main().catch((err: unknown) => {
  log.error("core: failed to start", { err });
  process.exit(1);
});
