// `npm start`: the whole system on one machine with embedded defaults — the core in this process
// (MX, internal API, libSQL shards under DATA_DIR) and the edge under `wrangler dev` (workerd, with
// its local R2 state under DATA_DIR/edge, which the core writes through the same emulation).
// Secrets are made once per data folder and given to both tiers; nothing secret is in the repo.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { startCore } from "./core.ts";
import { devSecrets, recordLocalEdge } from "./local-dev.ts";
import { log } from "./log.ts";

const require = createRequire(import.meta.url);

/** Edge settings taken from `npm start`'s environment (the edge validates them). Webhooks keep the
 * production URL policy unless asked: `WEBHOOK_ALLOW_PRIVATE=true npm start` lets an integrator try a
 * receiver on their own machine, and lets any user of this system aim webhooks at it too. */
function edgeVars(): string[] {
  return ["WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_DNS_URL"].flatMap((name) => (process.env[name] === undefined ? [] : ["--var", `${name}:${process.env[name]}`]));
}

function startEdge(config: Config, envFile: string): ChildProcess {
  const pkgFile = require.resolve("wrangler/package.json");
  const wrangler = path.join(path.dirname(pkgFile), (JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: { wrangler: string } }).bin.wrangler);
  const coreUrls = JSON.stringify({ [config.region]: `http://${config.api.host}:${config.api.port}` });
  return spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--ip", config.edge.host,
      "--port", String(config.edge.port),
      "--persist-to", path.join(config.dataDir, "edge"),
      "--env-file", envFile,
      "--var", `CORE_URLS:${coreUrls}`,
      "--var", `DIRECTORY_REGION:${config.region}`,
      ...edgeVars(),
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    // Its own process group: wrangler's bin wrapper does not pass signals on to the dev server it
    // starts, so stopping means signalling the whole group.
    {
      stdio: ["ignore", "inherit", "inherit"],
      cwd: path.resolve(import.meta.dirname, "../.."),
      detached: true,
      // Local development needs nothing from the internet (wrangler would fetch `Request.cf` data).
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
}

function stopEdge(edge: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  try {
    process.kill(-edge.pid!, signal);
  } catch {
    // already gone
  }
}

async function waitForEdge(url: string, edge: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (edge.exitCode !== null) throw new Error(`wrangler dev exited with code ${edge.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`the edge did not answer at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const preliminary = loadConfig(process.env, "cli");
  const { file, vars } = devSecrets(preliminary.dataDir);
  const edgeUrl = `http://${preliminary.edge.host}:${preliminary.edge.port}`;
  // The core pushes mailbox events to the edge started here. It starts first; until wrangler answers,
  // its pushes fail and are retried.
  const config = loadConfig({
    ...process.env,
    INTERNAL_SIGNING_SECRET: process.env.INTERNAL_SIGNING_SECRET || vars.INTERNAL_SIGNING_SECRET,
    EDGE_URL: process.env.EDGE_URL || edgeUrl,
  });
  const core = await startCore(config);
  const edge = startEdge(config, file);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopEdge(edge);
    await core.stop();
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));
  edge.once("exit", (code) => {
    if (!stopping) {
      log.error("the edge (wrangler dev) stopped; stopping the core too", { code });
      void stop(1);
    }
  });

  // Should this process die without stopping, the edge must not live on as an orphan.
  process.once("exit", () => stopEdge(edge, "SIGKILL"));
  // Ready means the worker answers: "/" is the webmail's static page, served without the worker running.
  await waitForEdge(`${edgeUrl}/api/v1/openapi.json`, edge);
  recordLocalEdge(config.dataDir, edgeUrl);
  process.stdout.write(
    [
      "",
      "edgemail is up:",
      `  webmail        ${edgeUrl}/   (sign in as a user added below)`,
      `  edge (API)     ${edgeUrl}/api/v1   (reference: ${edgeUrl}/api/docs)`,
      `  SMTP (MX)      ${config.smtp.host}:${core.smtpPort}`,
      `  submission     ${config.submission.host}:${core.submissionPort} (AUTH PLAIN/LOGIN, for mail apps)`,
      `  core API       http://${config.api.host}:${core.apiPort} (signed requests from the edge; /metrics)`,
      `  data           ${config.dataDir}`,
      "",
      "Add a domain and a user:  npm run cli -- domain add example.test",
      "                          npm run cli -- user add alice@example.test --password 'correct horse'",
      "An API key:               npm run cli -- apikey create alice@example.test --name crm --scopes mail.read,events",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  log.error("could not start", { err });
  process.exit(1);
});
