// `npm start`: the whole system on one machine with embedded defaults — the core in this process
// (MX, internal API, libSQL shards under DATA_DIR) and the edge in workerd through Miniflare in a child
// process (local-edge.ts; its state under DATA_DIR/edge), whose Miniflare also serves the R2 bucket the
// core files into (BLOB_STORE=local; with BLOB_STORE=s3 the core uses the real store and the edge keeps
// its local bucket).
// Secrets are made once per data folder and given to both tiers; nothing secret is in the repo.
import net from "node:net";
import path from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { startCore } from "./core.ts";
import { devSecrets, recordLocalEdge } from "./local-dev.ts";
import { startLocalEdge } from "./local-edge.ts";
import { log } from "./log.ts";

/** Edge settings taken from `npm start`'s environment (the edge validates them). Webhooks keep the
 * production URL policy unless asked: `WEBHOOK_ALLOW_PRIVATE=true npm start` lets an integrator try a
 * receiver on their own machine, and lets any user of this system aim webhooks at it too. */
function edgeVars(): Record<string, string> {
  return Object.fromEntries(["WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_DNS_URL"].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

/** A port free now, for a core whose API_PORT is 0: the edge is told the core's URL before the core starts. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const preliminary = loadConfig(process.env, "cli");
  const { vars } = devSecrets(preliminary.dataDir);
  const edgeUrl = `http://${preliminary.edge.host}:${preliminary.edge.port}`;
  const apiPort = preliminary.api.port || (await freePort(preliminary.api.host));
  const given = loadConfig({
    ...process.env,
    API_PORT: String(apiPort),
    INTERNAL_SIGNING_SECRET: process.env.INTERNAL_SIGNING_SECRET || vars.INTERNAL_SIGNING_SECRET,
    EDGE_URL: process.env.EDGE_URL || edgeUrl,
  });
  // The edge starts first: its Miniflare also serves the local R2 the core files into (one emulator
  // and one bucket for both tiers). Until the core is up, the edge's calls to it fail.
  let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
  let core: Awaited<ReturnType<typeof startCore>> | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all([edge?.stop(), core?.stop()]);
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
      CORE_URLS: JSON.stringify({ [given.region]: `http://${given.api.host}:${apiPort}` }),
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
  } catch (err) {
    await edge.stop();
    throw err;
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
