// `npm start`: the whole system on one machine with embedded defaults — the core in this process
// (MX, internal API, libSQL shards under DATA_DIR) and the edge in workerd through Miniflare in a child
// process (local-edge.ts; its state under DATA_DIR/edge), whose Miniflare also serves the R2 bucket the
// core files into (BLOB_STORE=local; with BLOB_STORE=s3 the core uses the real store and the edge keeps
// its local bucket).
// `SHARD_SERVER=sqld npm start` runs the shards and the directory on sqld instead (a primary and a
// replica each, local-sqld.ts, data under DATA_DIR/sqld), as production runs them on libSQL servers.
// `CORES=2 npm start` (or LOCAL_REDIS=true) also runs redis-server under DATA_DIR/redis with our Upstash
// REST front before it (local-upstash.ts), and the cores share their nonces and login counts there as
// production's do in Upstash; without redis-server installed, they share the nonces in a libSQL table
// (DATA_DIR/replay.db) and count logins each on their own.
// `REGIONS=us,eu npm start` runs several regions side by side instead (start-regions.ts).
// Secrets are made once per data folder and given to both tiers; nothing secret is in the repo.
import { fork, type ChildProcess } from "node:child_process";
import { flushCompileCache } from "node:module";
import path from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { startCore } from "./core.ts";
import { freePort } from "./free-port.ts";
import { CORE_ENV, CORE_NODE_FLAGS } from "./heap-limits.ts";
import { devSecrets, recordLocalEdge, recordLocalSqld } from "./local-dev.ts";
import { startLocalEdge } from "./local-edge.ts";
import { startRegions } from "./start-regions.ts";
import { startLocalSqldStores, type LocalSqldStores } from "./local-sqld.ts";
import { redisServerBinary } from "./local-redis.ts";
import { startLocalUpstash, type LocalUpstash } from "./local-upstash.ts";
import { log } from "./log.ts";

/** Edge settings taken from `npm start`'s environment (the edge validates them). Webhooks keep the
 * production URL policy unless asked: `WEBHOOK_ALLOW_PRIVATE=true npm start` lets an integrator try a
 * receiver on their own machine, and lets any user of this system aim webhooks at it too. */
function edgeVars(): Record<string, string> {
  return Object.fromEntries(["WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_DNS_URL"].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

const CORE_MAIN = path.join(import.meta.dirname, "main.ts");

/** Core number `n` (2, 3, …) of the region as a process of its own: the same shards, directory and
 * bucket as the first, its own spool and outbound queue, its own internal API port, and the SMTP and
 * submission ports shared with the others (REUSE_PORT). It ends with this process (main.ts stops on
 * the IPC channel's close, a kill -9 of `npm start` included). */
function startExtraCore(n: number, env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  // With the core's flags whether or not this process was started with them (a test starts it bare).
  const execArgv = [...process.execArgv.filter((a) => !CORE_NODE_FLAGS.some((f) => a.split("=")[0] === f.split("=")[0])), ...CORE_NODE_FLAGS];
  const child = fork(CORE_MAIN, [], { env: { ...process.env, ...CORE_ENV, ...env }, execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve({ child, exited }));
    void exited.then((code) => reject(new Error(`core ${n} exited (${code}) before it was up`)));
  });
}

async function main(): Promise<void> {
  const preliminary = loadConfig(process.env, "cli");
  const { vars } = devSecrets(preliminary.dataDir);
  // REGIONS=us,eu: each region its own cores and data, the edge in front of all (start-regions.ts).
  if (preliminary.regions) return startRegions(preliminary, preliminary.regions, vars, edgeVars());
  const edgeUrl = `http://${preliminary.edge.host}:${preliminary.edge.port}`;
  const apiPort = preliminary.api.port || (await freePort(preliminary.api.host));
  let stopping = false;
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
  // The region's shared state (nonces, login counts): Redis as Upstash serves it, or a libSQL table.
  let redis: LocalUpstash | null = null;
  let sharedState: Record<string, string> = {};
  if (preliminary.localRedis && !preliminary.redis && !preliminary.replayStoreUrl) {
    if (redisServerBinary()) {
      redis = await startLocalUpstash(path.join(preliminary.dataDir, "redis"));
      sharedState = redis.env;
      const server = redis.server;
      void server.exited.then(() => !stopping && log.error("redis-server stopped; signed requests get 503 and logins count per core until it is back", { pid: server.pid }));
    } else {
      sharedState = { REPLAY_STORE_URL: `file:${path.join(preliminary.dataDir, "replay.db")}` };
      log.warn("redis-server is not installed (apt-get install redis-server): the cores share the nonces of signed requests in a libSQL table instead, and count failed logins each on their own", { replayStore: sharedState.REPLAY_STORE_URL });
    }
  }
  // The region's other cores (CORES=2 …) listen on the next ports, or on free ones when API_PORT is 0.
  const extraApiPorts: number[] = [];
  for (let n = 2; n <= preliminary.cores; n++) extraApiPorts.push(preliminary.api.port ? apiPort + n - 1 : await freePort(preliminary.api.host));
  const given = loadConfig({
    ...process.env,
    ...sqld?.env,
    ...sharedState,
    API_PORT: String(apiPort),
    REUSE_PORT: preliminary.cores > 1 ? "true" : (process.env.REUSE_PORT ?? "false"),
    INTERNAL_SIGNING_SECRET: process.env.INTERNAL_SIGNING_SECRET || vars.INTERNAL_SIGNING_SECRET,
    EDGE_URL: process.env.EDGE_URL || edgeUrl,
  });
  // The edge starts first: its Miniflare also serves the local R2 the core files into (one emulator
  // and one bucket for both tiers). Until the core is up, the edge's calls to it fail.
  let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
  let core: Awaited<ReturnType<typeof startCore>> | null = null;
  const extraCores: { child: ChildProcess; exited: Promise<number | null> }[] = [];
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const others = extraCores.map(async ({ child, exited }) => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    });
    await Promise.all([edge?.stop(), core?.stop(), ...others]);
    // After the cores: their last writes go to these servers.
    await Promise.all([sqld?.stop(), redis?.stop()]);
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));
  edge = await startLocalEdge({
    host: given.edge.host,
    port: given.edge.port,
    stateDir: path.join(given.dataDir, "edge"),
    inspectorPort: given.edge.inspectorPort,
    vars: {
      ...edgeVars(),
      TOKEN_SECRET: vars.TOKEN_SECRET!,
      INTERNAL_SIGNING_SECRET: given.internalSigningSecret,
      CORE_URLS: JSON.stringify({ [given.region]: [apiPort, ...extraApiPorts].map((port) => `http://${given.api.host}:${port}`) }),
      DIRECTORY_REGION: given.region,
    },
  });
  void edge.exited.then((code) => {
    if (!stopping) {
      log.error("the edge stopped; stopping the core too", { code });
      void stop(1);
    }
  });
  const blobs = given.blobs.kind === "local" && !given.blobs.url ? { ...given.blobs, url: edge.blobsUrl } : given.blobs;
  const config = { ...given, blobs };
  try {
    core = await startCore(config);
    flushCompileCache(); // heap-limits.ts
    for (const [i, port] of extraApiPorts.entries()) {
      const n = i + 2;
      const dir = path.join(config.dataDir, "cores", `c${n}`);
      const started = await startExtraCore(n, {
        ...sqld?.env,
        ...sharedState,
        DATA_DIR: config.dataDir,
        SPOOL_DIR: path.join(dir, "spool"),
        QUEUE_URL: `file:${path.join(dir, "queue.db")}`,
        API_PORT: String(port),
        SMTP_PORT: String(core.smtpPort),
        SUBMISSION_PORT: String(core.submissionPort),
        REUSE_PORT: "true",
        INTERNAL_SIGNING_SECRET: config.internalSigningSecret,
        EDGE_URL: config.events.edgeUrl ?? edgeUrl,
        ...(config.blobs.kind === "local" ? { LOCAL_R2_URL: config.blobs.url! } : {}),
      });
      extraCores.push(started);
      void started.exited.then((code) => {
        // The region's other cores go on serving: the kernel hands new SMTP connections to them, and
        // the edge passes over a core it cannot reach.
        if (!stopping) log.error(`core ${n} stopped; the others go on`, { code });
      });
    }
  } catch (err) {
    log.error("could not start", { err });
    return stop(1);
  }
  recordLocalEdge(config.dataDir, edgeUrl);
  process.stdout.write(
    [
      "",
      "edgemail is up:",
      `  webmail        ${edgeUrl}/   (sign in as a user added below)`,
      `  edge (API)     ${edgeUrl}/api/v1   (reference: ${edgeUrl}/api/docs)`,
      `  SMTP (MX)      ${config.smtp.host}:${core.smtpPort}`,
      `  submission     ${config.submission.host}:${core.submissionPort} (AUTH PLAIN/LOGIN, for mail apps)`,
      `  core API       ${[core.apiPort, ...extraApiPorts].map((port) => `http://${config.api.host}:${port}`).join(", ")} (signed requests from the edge; /metrics)`,
      ...(sqld ? [`  shards         sqld, a primary and a replica each: ${config.shards.map((s) => `${s.name} ${s.url} (replica ${s.replicaUrl})`).join(", ")}`, `  directory      sqld ${config.directoryUrl} (replica ${config.directoryReplicaUrl})`] : []),
      ...(redis ? [`  shared state   redis-server ${redis.server.url} (data ${redis.server.dir}) behind our Upstash REST front ${redis.front.url}: nonces and login counts`] : sharedState.REPLAY_STORE_URL ? [`  shared state   nonces in ${sharedState.REPLAY_STORE_URL} (no redis-server: login counts per core)`] : []),
      ...(extraApiPorts.length > 0 ? [`  cores          ${extraApiPorts.length + 1}, sharing the SMTP and submission ports; spools under ${config.dataDir}/spool and ${config.dataDir}/cores/`] : []),
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
