// `npm start`: the whole system on one machine with embedded defaults — the core in this process
// (MX, internal API, libSQL shards under DATA_DIR) and the edge in workerd through Miniflare
// (local-edge.ts; its state under DATA_DIR/edge, whose R2 bucket the core writes through the same emulation).
// Secrets are made once per data folder and given to both tiers; nothing secret is in the repo.
// `SHARD_SERVER=sqld npm start` runs the shards and the directory on sqld instead (a primary and a
// replica each, local-sqld.ts, data under DATA_DIR/sqld), as production runs them on libSQL servers.
import path from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { startCore } from "./core.ts";
import { devSecrets, recordLocalEdge, recordLocalSqld } from "./local-dev.ts";
import { startLocalEdge } from "./local-edge.ts";
import { startLocalSqldStores, type LocalSqldStores } from "./local-sqld.ts";
import { log } from "./log.ts";

/** Edge settings taken from `npm start`'s environment (the edge validates them). Webhooks keep the
 * production URL policy unless asked: `WEBHOOK_ALLOW_PRIVATE=true npm start` lets an integrator try a
 * receiver on their own machine, and lets any user of this system aim webhooks at it too. */
function edgeVars(): Record<string, string> {
  return Object.fromEntries(["WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_DNS_URL"].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

let stopping = false;

async function main(): Promise<void> {
  const preliminary = loadConfig(process.env, "cli");
  const { vars } = devSecrets(preliminary.dataDir);
  const edgeUrl = `http://${preliminary.edge.host}:${preliminary.edge.port}`;
  let sqld: LocalSqldStores | null = null;
  if (preliminary.localShardServer === "sqld") {
    if (process.env.SHARDS || process.env.DIRECTORY_URL) {
      throw new ConfigError(["SHARD_SERVER: sqld starts its own servers for the shards and the directory; leave SHARDS and DIRECTORY_URL unset"]);
    }
    sqld = await startLocalSqldStores(path.join(preliminary.dataDir, "sqld"), preliminary.shards.map((s) => s.name));
    recordLocalSqld(preliminary.dataDir, sqld.env);
    for (const [name, pair] of sqld.pairs) {
      void pair.primary.exited.then(() => !stopping && log.error("a sqld primary stopped; its users' mail is deferred (451) and their API calls get 503", { name, pid: pair.primary.pid }));
    }
  }
  // The core pushes mailbox events to the edge started here. It starts first; until the edge answers,
  // its pushes fail and are retried.
  const config = loadConfig({
    ...process.env,
    ...sqld?.env,
    INTERNAL_SIGNING_SECRET: process.env.INTERNAL_SIGNING_SECRET || vars.INTERNAL_SIGNING_SECRET,
    EDGE_URL: process.env.EDGE_URL || edgeUrl,
  });
  let core: Awaited<ReturnType<typeof startCore>>;
  try {
    core = await startCore(config);
  } catch (err) {
    await sqld?.stop();
    throw err;
  }
  let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all([edge?.stop(), core.stop()]);
    // After the core: its last writes go to these servers.
    await sqld?.stop();
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));
  try {
    edge = await startLocalEdge({
      host: config.edge.host,
      port: config.edge.port,
      stateDir: path.join(config.dataDir, "edge"),
      inspectorPort: config.edge.inspectorPort,
      vars: {
        ...edgeVars(),
        TOKEN_SECRET: vars.TOKEN_SECRET!,
        INTERNAL_SIGNING_SECRET: config.internalSigningSecret,
        CORE_URLS: JSON.stringify({ [config.region]: `http://${config.api.host}:${core.apiPort}` }),
        DIRECTORY_REGION: config.region,
      },
    });
  } catch (err) {
    await core.stop();
    await sqld?.stop();
    throw err;
  }
  void edge.exited.then((code) => {
    if (!stopping) {
      log.error("the edge stopped; stopping the core too", { code });
      void stop(1);
    }
  });
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
      ...(sqld ? [`  shards         sqld, a primary and a replica each: ${config.shards.map((s) => `${s.name} ${s.url} (replica ${s.replicaUrl})`).join(", ")}`, `  directory      sqld ${config.directoryUrl} (replica ${config.directoryReplicaUrl})`] : []),
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
