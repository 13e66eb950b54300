// The edge as `npm start` runs it: the worker bundled exactly as `wrangler deploy` would upload it, run by
// Miniflare (workerd) with the bindings wrangler.toml declares, its state where `wrangler dev --persist-to
// DATA_DIR/edge` keeps it. The same Miniflare serves the core's local R2 (store/local-r2-gateway.ts) on
// a loopback port of its own: one emulator, one bucket for both tiers (one per region under REGIONS),
// as in production.
//
// Not `wrangler dev`: that puts a proxy worker in another workerd process in front of the user worker
// (it is there to hold requests while a changed worker reloads, which `npm start` never does). Every
// request, response and WebSocket frame crossed it: on npm start's stack, 2.7 ms more per request and
// 10–30 ms for the core's event pushes while it relayed the realtime clients' frames (2026-12-07).
import { execFile, fork } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { BUCKET_NAME, gatewayWorker, gatewayWorkerName } from "./store/local-r2-gateway.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

export interface LocalEdgeOptions {
  host: string;
  port: number;
  /** DATA_DIR/edge: Durable Objects, queues and R2 under v3/, the bundle under bundle/. */
  stateDir: string;
  /** Variables and secrets over wrangler.toml's [vars]. */
  vars: Record<string, string>;
  /** Chrome DevTools for the worker on this port (`chrome://inspect`, or a CPU profile), if any. */
  inspectorPort: number | null;
  /** R2 bindings beyond wrangler.toml's BLOBS (binding → bucket: other regions' buckets), each with a
   * gateway of its own for its region's cores. */
  buckets?: Record<string, string>;
  /** Binds LOCAL_JURISDICTION_HUB: workerd implements no Durable Object jurisdictions, so the hubs of
   * the regions in REGION_JURISDICTIONS live in this namespace instead (edge/src/cloudflare-platform.ts). */
  jurisdictionStandIn?: boolean;
}

/** Up at http://host:port once started. */
export interface LocalEdge {
  /** The local R2 gateway (LOCAL_R2_URL for the core). */
  blobsUrl: string;
  /** Each bucket's gateway, by bucket name (BLOBS's and those of `buckets`). */
  blobsUrls: Record<string, string>;
  stop(): Promise<void>;
  /** Resolves with the exit code should the edge's process end. */
  exited: Promise<number | null>;
}

/** `wrangler deploy --dry-run`: the production bundle, without uploading it. */
async function bundle(outDir: string): Promise<string> {
  const pkgFile = require.resolve("wrangler/package.json");
  const bin = path.join(path.dirname(pkgFile), (JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: { wrangler: string } }).bin.wrangler);
  mkdirSync(outDir, { recursive: true });
  try {
    await promisify(execFile)(process.execPath, [bin, "deploy", "--dry-run", "--outdir", outDir], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
    });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`bundling the edge worker failed: ${e.stderr || e.stdout || e.message}`);
  }
  return path.join(outDir, "index.js");
}

/** Runs the edge in a process of its own: Miniflare ends its process on SIGINT/SIGTERM (to take workerd
 * down with it), which must not cut short the core's own orderly stop. The child also goes when this
 * process goes, however it ends: it watches the IPC channel. */
export async function startLocalEdge(o: LocalEdgeOptions): Promise<LocalEdge> {
  const child = fork(import.meta.filename, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const blobsUrls = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once("message", (m: { ready?: true; blobsUrls?: Record<string, string>; error?: string }) => (m.ready ? resolve(m.blobsUrls!) : reject(new Error(m.error))));
    void exited.then((code) => reject(new Error(`the edge exited (${code}) before it was up`)));
    child.send(o);
  });
  return {
    blobsUrl: blobsUrls[BUCKET_NAME]!,
    blobsUrls,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The edge in this process. Wrangler and Miniflare are loaded here only, not by the core that forks it. */
async function runLocalEdge(o: LocalEdgeOptions): Promise<{ blobsUrls: Record<string, string>; dispose: () => Promise<void> }> {
  const { Log, LogLevel, Miniflare, convertV4MiniflareOptions } = await import("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const scriptPath = await bundle(path.join(o.stateDir, "bundle"));
  // Module rules are for unbundled sources; the bundle is one module.
  const { workerOptions: { modulesRules: _rules, ...workerOptions } } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  const buckets = [BUCKET_NAME, ...Object.values(o.buckets ?? {})];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: o.host,
      port: o.port,
      resourcePersistencePath: path.join(o.stateDir, "v3"),
      // Local development needs nothing from the internet (Miniflare would fetch `Request.cf` data).
      cf: false,
      ...(o.inspectorPort !== null ? { inspectorPort: o.inspectorPort } : {}),
      // The worker's own warnings and errors (its logger writes JSON lines to the console).
      log: new Log(LogLevel.WARN),
      workers: [
        {
          ...workerOptions,
          rootPath: path.dirname(scriptPath),
          name: "edgemail-edge",
          modules: true,
          scriptPath,
          bindings: { ...(workerOptions.bindings as Record<string, string> | undefined), ...o.vars },
          r2Buckets: { ...(workerOptions.r2Buckets as Record<string, string | { id: string }> | undefined), ...o.buckets },
          durableObjects: {
            ...(workerOptions.durableObjects as Record<string, { className: string; useSQLite?: boolean }> | undefined),
            ...(o.jurisdictionStandIn ? { LOCAL_JURISDICTION_HUB: { className: "LocalJurisdictionHub", useSQLite: true } } : {}),
          },
        },
        ...buckets.map((bucket) => gatewayWorker(bucket)),
      ],
    }),
  );
  await mf.ready;
  const blobsUrls: Record<string, string> = {};
  for (const bucket of buckets) blobsUrls[bucket] = (await mf.unsafeGetDirectURL(gatewayWorkerName(bucket))).href;
  return { blobsUrls, dispose: () => mf.dispose() };
}

if (process.argv[1] === import.meta.filename && process.send) {
  process.once("message", (o: LocalEdgeOptions) => {
    runLocalEdge(o).then(
      ({ blobsUrls, dispose }) => {
        process.send!({ ready: true, blobsUrls });
        process.once("disconnect", () => void dispose().finally(() => process.exit(0)));
      },
      (err: Error) => {
        process.send!({ error: err.message }, () => process.exit(1));
      },
    );
  });
}
