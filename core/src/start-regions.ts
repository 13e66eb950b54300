// `REGIONS=us,eu npm start`: several regions on one machine, as production runs them in several
// places. Each region is its own cores (CORES per region) with its own data folder, ports, spool,
// queue, shards, directory and bucket (local-regions.ts); the regions share only the global directory
// (address pointer → home region) and the edge, which knows every region's cores (CORE_URLS). The first
// region is the default: the edge asks it where addresses are homed. Each region's cores file into a
// bucket of the region's own in the edge's R2 emulator, the one the edge reads and writes that
// region's users' blobs in; a region named after a jurisdiction has its users' Durable Objects in a
// namespace of their own (localResidency).
// Every core is a process of its own (main.ts), started region by region, so the global directory is
// created once before the others open it.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ConfigError, type Config } from "./config.ts";
import { freePort } from "./free-port.ts";
import { CORE_ENV, CORE_NODE_FLAGS } from "./heap-limits.ts";
import { recordLocalEdge } from "./local-dev.ts";
import { startLocalEdge } from "./local-edge.ts";
import { localResidency, recordLocalRegions, regionDataDir, regionEnv, type LocalRegion } from "./local-regions.ts";
import { log } from "./log.ts";

const CORE_MAIN = path.join(import.meta.dirname, "main.ts");

interface Started {
  smtpPort: number;
  submissionPort: number;
  apiPort: number;
  blobsUrl: string | null;
}

interface CoreChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  started: Started;
}

function forkCore(label: string, env: Record<string, string>): Promise<CoreChild> {
  const execArgv = [...process.execArgv.filter((a) => !CORE_NODE_FLAGS.some((f) => a.split("=")[0] === f.split("=")[0])), ...CORE_NODE_FLAGS];
  const child = fork(CORE_MAIN, [], { env: { ...process.env, ...CORE_ENV, ...env }, execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once("message", (m: { started: Started }) => resolve({ child, exited, started: m.started }));
    void exited.then((code) => reject(new Error(`${label} exited (${code}) before it was up`)));
  });
}

/** A port of region `index` given the first region's: the next hundred up, or a free one for 0. */
async function portFor(base: number, index: number, host: string): Promise<number> {
  return base ? base + index * 100 : freePort(host);
}

export async function startRegions(preliminary: Config, regions: string[], vars: Record<string, string>, edgeVars: Record<string, string>): Promise<void> {
  if (preliminary.localShardServer === "sqld") throw new ConfigError(["REGIONS: runs each region's shards as files; SHARD_SERVER=sqld is for one region"]);
  if (process.env.SHARDS || process.env.DIRECTORY_URL || process.env.QUEUE_URL || process.env.SPOOL_DIR) {
    throw new ConfigError(["REGIONS: each region gets its own shards, directory, queue and spool under DATA_DIR/regions/<region>; leave SHARDS, DIRECTORY_URL, QUEUE_URL and SPOOL_DIR unset"]);
  }
  const baseDir = preliminary.dataDir;
  const edgeUrl = `http://${preliminary.edge.host}:${preliminary.edge.port}`;
  const secret = process.env.INTERNAL_SIGNING_SECRET || vars.INTERNAL_SIGNING_SECRET!;
  const host = preliminary.api.host;
  // Every core's API port is known before any starts: the edge and the other regions are told them.
  const plan: { name: string; apiPorts: number[]; smtpPort: number; submissionPort: number }[] = [];
  for (const [i, name] of regions.entries()) {
    const first = await portFor(preliminary.api.port, i, host);
    const apiPorts = [first];
    for (let n = 2; n <= preliminary.cores; n++) apiPorts.push(preliminary.api.port ? first + n - 1 : await freePort(host));
    plan.push({ name, apiPorts, smtpPort: preliminary.smtp.port ? preliminary.smtp.port + i * 100 : 0, submissionPort: preliminary.submission.port ? preliminary.submission.port + i * 100 : 0 });
  }
  const urls = (p: (typeof plan)[number]) => p.apiPorts.map((port) => `http://${host}:${port}`);

  let stopping = false;
  const children: CoreChild[] = [];
  let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all([
      edge?.stop(),
      ...children.map(async ({ child, exited }) => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
      }),
    ]);
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  const residency = localResidency(regions);
  edge = await startLocalEdge({
    host: preliminary.edge.host,
    port: preliminary.edge.port,
    stateDir: path.join(baseDir, "edge"),
    inspectorPort: preliminary.edge.inspectorPort,
    buckets: residency.bindings,
    jurisdictionStandIn: true,
    vars: {
      ...edgeVars,
      ...residency.vars,
      TOKEN_SECRET: vars.TOKEN_SECRET!,
      INTERNAL_SIGNING_SECRET: secret,
      CORE_URLS: JSON.stringify(Object.fromEntries(plan.map((p) => [p.name, urls(p)]))),
      DIRECTORY_REGION: regions[0]!,
    },
  });
  void edge.exited.then((code) => {
    if (!stopping) {
      log.error("the edge stopped; stopping the cores too", { code });
      void stop(1);
    }
  });

  const started: LocalRegion[] = [];
  try {
    for (const p of plan) {
      const dir = regionDataDir(baseDir, p.name);
      const peers = plan.filter((o) => o !== p).flatMap((o) => urls(o).map((u) => `${o.name}=${u}`));
      const common = {
        ...regionEnv(baseDir, p.name),
        INTERNAL_SIGNING_SECRET: secret,
        EDGE_URL: process.env.EDGE_URL || edgeUrl,
        REUSE_PORT: preliminary.cores > 1 ? "true" : (process.env.REUSE_PORT ?? "false"),
        ...(peers.length > 0 ? { REGION_PEERS: peers.join(",") } : {}),
        // The region's cores share their nonces in a file (no redis-server per region here).
        ...(preliminary.cores > 1 ? { REPLAY_STORE_URL: `file:${path.join(dir, "replay.db")}` } : {}),
      };
      const first = await forkCore(`the first core of region ${p.name}`, {
        ...common,
        API_PORT: String(p.apiPorts[0]),
        SMTP_PORT: String(p.smtpPort),
        SUBMISSION_PORT: String(p.submissionPort),
        ...(preliminary.blobs.kind === "local" ? { LOCAL_R2_URL: edge.blobsUrls[residency.bucketOf[p.name]!]! } : {}),
      });
      children.push(first);
      for (const [n, port] of p.apiPorts.slice(1).entries()) {
        const coreDir = path.join(dir, "cores", `c${n + 2}`);
        children.push(
          await forkCore(`core ${n + 2} of region ${p.name}`, {
            ...common,
            SPOOL_DIR: path.join(coreDir, "spool"),
            QUEUE_URL: `file:${path.join(coreDir, "queue.db")}`,
            API_PORT: String(port),
            SMTP_PORT: String(first.started.smtpPort),
            SUBMISSION_PORT: String(first.started.submissionPort),
            ...(first.started.blobsUrl ? { LOCAL_R2_URL: first.started.blobsUrl } : {}),
          }),
        );
      }
      const blobsUrl = preliminary.blobs.kind === "local" ? edge.blobsUrls[residency.bucketOf[p.name]!] : undefined;
      started.push({ name: p.name, dataDir: dir, apiUrls: urls(p), smtpPort: first.started.smtpPort, submissionPort: first.started.submissionPort, ...(blobsUrl ? { blobsUrl } : {}) });
    }
  } catch (err) {
    log.error("could not start", { err });
    return stop(1);
  }
  for (const { child, exited } of children) {
    void exited.then((code) => !stopping && log.error("a core stopped; its region's other cores go on", { pid: child.pid, code }));
  }
  recordLocalEdge(baseDir, edgeUrl);
  recordLocalRegions(baseDir, started);
  process.stdout.write(
    [
      "",
      "edgemail is up:",
      `  webmail        ${edgeUrl}/   (sign in as a user added below)`,
      `  edge (API)     ${edgeUrl}/api/v1   (reference: ${edgeUrl}/api/docs)`,
      ...started.flatMap((r, i) => [
        `  region ${r.name}${i === 0 ? " (default)" : ""}`,
        `    SMTP (MX)    ${preliminary.smtp.host}:${r.smtpPort}`,
        `    submission   ${preliminary.submission.host}:${r.submissionPort}`,
        `    core API     ${r.apiUrls.join(", ")}`,
        `    data         ${r.dataDir}`,
      ]),
      `  global directory  ${regionEnv(baseDir, regions[0]!).GLOBAL_DIRECTORY_URL} (address pointers → home region)`,
      "",
      "Add a domain (served by every region) and a user in a region:",
      "                          npm run cli -- domain add example.test",
      `                          npm run cli -- user add alice@example.test --password 'correct horse' --region ${regions.at(-1)}`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
}
