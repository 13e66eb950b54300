// The pipeline's thread: the mail pipeline (parse, build, file) and the delivery agent, with their
// own connections to the shards, the directory, the delivery queue and R2. Keeping them off the main
// thread matters because libSQL's local calls (and each commit's fsync) are synchronous: on the main
// thread they would stall every SMTP session while a batch is written.
// The event notifier lives here too: nearly all events come from filing in this thread, so they never
// cross threads, and pushing them (JSON of thousands of events, HTTP) stays off the SMTP thread. The
// few events of API changes made on the main thread are posted over.
import { parentPort, workerData } from "node:worker_threads";
import type { CoreEvent } from "../../../shared/events.ts";
import { EventNotifier, type NotifierStats } from "../events/notifier.ts";
import { repushRecent } from "../events/repush.ts";
import { createResolver } from "../dns.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { DeliveryRunner } from "../smtp/outbound/delivery-runner.ts";
import type { RoutingConfig } from "../smtp/outbound/route.ts";
import { Directory } from "../store/directory.ts";
import { httpBlobStore, startLocalR2 } from "../store/local-r2.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import { Retention } from "../store/retention.ts";
import { Shards } from "../store/shards.ts";
import { MailPipeline, type BatchReport } from "./mail-pipeline.ts";
import { SpamStage } from "./spam-stage.ts";
import { UserScripts } from "./user-scripts.ts";
import { installOnePartBlob } from "./one-part-blob.ts";
import type { MailEntry } from "./spool-entry.ts";

export interface PipelineWorkerData {
  shards: { name: string; url: string }[];
  directoryUrl: string;
  queueUrl: string;
  libsqlAuthToken: string | undefined;
  r2PersistDir: string;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  region: string;
  hostname: string;
  queueLifetimeMs: number;
  dnsServers: string[] | null;
  routing: RoutingConfig;
  events: { edgeUrl: string | null; signingSecret: string; retentionMs: number; repushWindowMs: number };
  protection: { srsSecret: string; spamThreshold: number; dnsblZones: string[] };
  lingerMs?: number;
}

export type ToWorker = { type: "enqueue"; entries: MailEntry[] } | { type: "events"; events: CoreEvent[] } | { type: "stop" };
export type FromWorker =
  | { type: "ready"; blobsUrl: string }
  | ({ type: "batch" } & BatchReport)
  | ({ type: "event-stats" } & NotifierStats)
  | { type: "stopped" };

installOnePartBlob();
const data = workerData as PipelineWorkerData;
const port = parentPort!;
setLogLevel(data.logLevel);
const log = createLogger({ svc: "core", region: data.region, part: "pipeline" });
const send = (message: FromWorker) => port.postMessage(message);

const shards = await Shards.open(data.shards, data.libsqlAuthToken);
const directory = await Directory.open(data.directoryUrl, data.libsqlAuthToken);
const queue = await OutboundQueue.open(data.queueUrl, data.libsqlAuthToken);
const r2 = await startLocalR2(data.r2PersistDir);
const blobs = httpBlobStore(r2.url, r2.close);
const notifier = data.events.edgeUrl
  ? new EventNotifier({
      edge: { url: data.events.edgeUrl, secret: data.events.signingSecret },
      region: data.region,
      log: log.child({ part: "events" }),
      onStats: (stats) => send({ type: "event-stats", ...stats }),
    })
  : null;
if (!notifier) log.info("events: EDGE_URL is not set; mailbox events are recorded in the shards but not pushed to an edge");
const publish = (events: CoreEvent[]) => notifier?.publish(events);
const retention = new Retention({ queue, shards, eventRetentionMs: data.events.retentionMs, log });
const resolver = createResolver(data.dnsServers);
const spam = new SpamStage({ directory, shards, resolver, threshold: data.protection.spamThreshold, dnsblZones: data.protection.dnsblZones });
const runner = new DeliveryRunner({
  queue,
  blobs,
  resolver,
  routing: data.routing,
  hostname: data.hostname,
  directory,
  shards,
  log: log.child({ part: "delivery" }),
  onEvents: publish,
});
const pipeline = new MailPipeline({
  shards,
  blobs,
  queue,
  directory,
  log,
  hostname: data.hostname,
  queueLifetimeMs: data.queueLifetimeMs,
  lingerMs: data.lingerMs,
  recordError: (e) => queue.addError({ id: crypto.randomUUID(), ...e }),
  onBatch: (report) => send({ type: "batch", ...report }),
  onEvents: publish,
  onQueued: () => runner.wake(),
  srsSecret: data.protection.srsSecret,
  scripts: new UserScripts(),
  scoreSpam: (input) => spam.inbound(input),
  scoreOutbound: (raw, mail) => spam.outbound(raw, mail),
});
if (notifier) {
  // Before anything new is filed, so that each user's older events go out first.
  const repushed = await repushRecent(shards, notifier, Date.now() - data.events.repushWindowMs);
  log.info("events: pushing to the edge", { edge: data.events.edgeUrl, repushed });
}
pipeline.start();
await runner.start();
retention.start();

port.on("message", (message: ToWorker) => {
  if (message.type === "enqueue") {
    // Buffers arrive as plain Uint8Arrays; the pipeline works on Buffers.
    for (const e of message.entries) pipeline.enqueue({ ...e, raw: Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength) });
  } else if (message.type === "events") {
    publish(message.events);
  } else {
    void (async () => {
      await pipeline.stop();
      await runner.stop();
      await retention.stop();
      await notifier?.stop();
      await blobs.close();
      queue.close();
      directory.close();
      shards.close();
      send({ type: "stopped" });
      port.close();
    })();
  }
});
send({ type: "ready", blobsUrl: r2.url });
