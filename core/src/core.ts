// Assembles a core from its config: stores, spool recovery, pipeline, MX and internal API.
// main.ts runs it as a process; tests and the local launcher start it in-process the same way.
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createApiApp } from "./api/app.ts";
import { PasswordLogin } from "./auth/password-login.ts";
import { createResolver } from "./dns.ts";
import { cachedResolve } from "./dns-cache.ts";
import { scanWithClamd } from "./virus/clamd.ts";
import type { Config } from "./config.ts";
import type { CoreEvent } from "../../shared/events.ts";
import { createLogger, setLogLevel, type Logger } from "./log.ts";
import { MailboxService } from "./mailbox/service.ts";
import { messageTokens } from "./pipeline/spam/bayes.ts";
import type { SpoolMeta } from "./spool/entry.ts";
import { PipelineThread } from "./pipeline-thread/thread.ts";
import { renderMetrics } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import { createMxServer, recipientChecker } from "./smtp/inbound/mx-server.ts";
import { RegionRelay } from "./smtp/inbound/region-relay.ts";
import { GlobalDirectory } from "./store/global-directory.ts";
import { createSubmissionServer } from "./smtp/submission/submission-server.ts";
import { openBlobStore, startLocalR2IfNeeded } from "./store/open-blobs.ts";
import { OutboundQueue } from "./store/outbound-queue.ts";
import { Spool } from "./spool/spool.ts";
import { Directory } from "./store/directory.ts";
import { readerId } from "./store/shard-map.ts";
import { Shards } from "./store/shards.ts";
import { SharedReplayNonces, type ReplayNonceStore } from "./store/replay-nonces.ts";
import { RedisReplayNonces } from "./store/redis-nonces.ts";
import { openUpstash } from "./store/upstash.ts";
import { audienceOf } from "../../shared/signing.ts";
import { CORE_ENV, CORE_NODE_FLAGS, startedWithCoreFlags } from "./heap-limits.ts";

export interface RunningCore {
  config: Config;
  smtpPort: number;
  submissionPort: number;
  apiPort: number;
  queue: OutboundQueue;
  directory: Directory;
  /** The directory every region reads (address pointer → home region), with several regions. */
  global: GlobalDirectory | null;
  shards: Shards;
  spool: Spool<SpoolMeta>;
  pipeline: PipelineThread;
  log: Logger;
  /** Stops accepting, finishes the batch in hand and closes everything. Unfiled mail stays spooled. */
  stop(): Promise<void>;
}

function listen(start: (cb: () => void) => { address(): AddressInfo | string | null; once(e: "error", cb: (err: Error) => void): unknown }): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = start(() => resolve((server.address() as AddressInfo).port));
    server.once("error", reject);
  });
}

export interface CoreOptions {
  /** The clock of the failed-login limits; tests move it rather than wait minutes. */
  now?: () => number;
}

export async function startCore(given: Config, options: CoreOptions = {}): Promise<RunningCore> {
  // With BLOB_STORE=local and no LOCAL_R2_URL, the emulator starts beside the core (a child process);
  // every thread then reaches it at the URL the config carries from here on.
  const localR2 = await startLocalR2IfNeeded(given.blobs);
  try {
    return await assemble({ ...given, blobs: localR2.config }, localR2.stop, options);
  } catch (err) {
    await localR2.stop();
    throw err;
  }
}

async function assemble(config: Config, stopBlobs: () => Promise<void>, options: CoreOptions): Promise<RunningCore> {
  setLogLevel(config.logLevel);
  const log = createLogger({ svc: "core", region: config.region });
  const directory = await Directory.open(config.directoryUrl, config.libsqlAuthToken, config.directoryReplicaUrl);
  const shards = await Shards.open(config.shards, config.libsqlAuthToken, directory);
  // Each of the core's isolates (this one, the pipeline's, the delivery agent's) opens the shards
  // added to the region's map for itself, and says so (`shard add` waits for every one).
  shards.watch({ reader: readerId("main"), everyMs: config.shardMapPollMs, onError: (err) => log.warn("shard map: could not take in the shards added", { err: String(err) }) });
  const global = config.global ? await GlobalDirectory.open(config.global.url, config.internalSigningSecret, config.libsqlAuthToken, config.global.replicaUrl) : null;
  const { spool, recovered } = await Spool.open<SpoolMeta>(config.spoolDir, { log: log.child({ part: "spool" }) });
  const pipeline = await PipelineThread.start(config, { spool, log });
  for (const entry of recovered) pipeline.enqueue(entry);

  const queue = await OutboundQueue.open(config.queueUrl, config.libsqlAuthToken);
  // The region's Redis, when configured, shares both the nonces and the login counts; else a libSQL
  // table (REPLAY_STORE_URL) shares the nonces, or each core keeps its own.
  const redis = config.redis ? openUpstash(config.redis) : null;
  const replayNonces: ReplayNonceStore | null = redis ? new RedisReplayNonces(redis) : config.replayStoreUrl ? await SharedReplayNonces.open(config.replayStoreUrl, config.libsqlAuthToken) : null;
  const blobs = openBlobStore(config.blobs);
  const outbox = new Outbox({ spool, pipeline, shards });
  const publishEvents = (events: CoreEvent[]) => pipeline.publishEvents(events);
  // The main thread's mailbox service: the API's changes, whose events cross to the pipeline thread's notifier.
  const mailbox = new MailboxService({ shards, directory, blobs, log: log.child({ part: "mailbox" }), publish: publishEvents, spamTokens: messageTokens });
  // One for both password doors, so a guesser counts the same wherever they knock.
  const logins = new PasswordLogin({ directory, shards, publishEvents, log: log.child({ part: "auth" }), now: options.now, redis });

  const resolver = createResolver(config.outbound.dnsServers);
  const resolve = cachedResolve((name, rrtype) => resolver.resolve(name, rrtype));
  const clamd = config.protection.clamd;
  const scan = clamd ? (bytes: Uint8Array) => scanWithClamd(clamd, bytes, { timeoutMs: 30_000 }) : null;
  const regions = global && config.global
    ? { region: config.region, global, relay: new RegionRelay({ peers: config.global.peers, secret: config.internalSigningSecret, log: log.child({ part: "relay" }) }) }
    : null;
  const mx = createMxServer({ config, directory, shards, spool, pipeline, queue, resolve, scan, regions, log: log.child({ part: "mx" }) });
  mx.on("error", (err) => log.warn("mx: connection error", { err }));
  const smtpPort = await listen((cb) => mx.listen({ port: config.smtp.port, host: config.smtp.host, reusePort: config.reusePort }, cb));
  const submission = createSubmissionServer({ config, directory, shards, outbox, logins, regions, log: log.child({ part: "submission" }) });
  submission.on("error", (err) => log.warn("submission: connection error", { err }));
  const submissionPort = await listen((cb) => submission.listen({ port: config.submission.port, host: config.submission.host, reusePort: config.reusePort }, cb));

  // Known once the API listens (API_PORT=0 takes any free port).
  let audiences: readonly string[] = [];
  const app = createApiApp({
    audiences: () => audiences,
    replayNonces,
    directory,
    shards,
    logins,
    signingSecret: config.internalSigningSecret,
    region: config.region,
    log: log.child({ part: "api" }),
    outbox,
    blobs,
    queue,
    sendDailyLimit: config.sendDailyLimit,
    mailbox,
    scan,
    metrics: () => renderMetrics({ queue, spool, pipeline }),
    global,
    // Mail other regions' MXs received for this region's users; checked as the MX checks, one hop only.
    relay: global
      ? { checkRecipient: recipientChecker({ config, directory, shards, queue, regions: null }), directory, shards, spool, pipeline, log: log.child({ part: "relay" }), submission: { config, directory, shards, outbox, logins } }
      : null,
    health: () => ({ shards: shards.names, spool: spool.stats(), pipeline: pipeline.stats, backlogBytes: pipeline.backlogBytes, loginThrottle: { ...logins.throttle.size, shared: redis !== null } }),
  });
  let api!: ServerType;
  const apiPort = await listen((cb) => (api = serve({ fetch: app.fetch, port: config.api.port, hostname: config.api.host }, cb)));
  audiences = config.api.urls ?? [audienceOf(`http://${config.api.host.includes(":") ? `[${config.api.host}]` : config.api.host}:${apiPort}`)];
  if (!startedWithCoreFlags()) log.info(`started without ${Object.entries(CORE_ENV).map(([k, v]) => `${k}=${v}`).join(" ")} node ${CORE_NODE_FLAGS.join(" ")} (as npm start and npm run core start it): up to a few hundred MiB more RSS on a large host`);
  log.info("core started", { smtp: `${config.smtp.host}:${smtpPort}`, submission: `${config.submission.host}:${submissionPort}`, api: `${config.api.host}:${apiPort}`, apiUrls: audiences, shards: shards.names.length, blobs: config.blobs.kind === "s3" ? `${config.blobs.endpoint}/${config.blobs.bucket}` : config.blobs.url, recovered: recovered.length });

  let stopping: Promise<void> | null = null;
  return {
    config,
    smtpPort,
    submissionPort,
    apiPort,
    queue,
    directory,
    global,
    shards,
    spool,
    pipeline,
    log,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => mx.close(() => resolve()));
        await new Promise<void>((resolve) => submission.close(() => resolve()));
        await new Promise<void>((resolve) => api.close(() => resolve()));
        await pipeline.stop();
        await stopBlobs();
        await spool.close();
        queue.close();
        replayNonces?.close();
        await shards.unwatch();
        shards.close();
        directory.close();
        global?.close();
        log.info("core stopped");
      })();
      return stopping;
    },
  };
}
