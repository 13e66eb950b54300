// The pipeline's thread: the mail pipeline (parse, build, file) and the delivery agent, with their
// own connections to the shards, the directory, the delivery queue and R2. Keeping them off the main
// thread matters because libSQL's local calls (and each commit's fsync) are synchronous: on the main
// thread they would stall every SMTP session while a batch is written.
import { parentPort, workerData } from "node:worker_threads";
import { createResolver } from "../dns.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { DeliveryRunner } from "../smtp/outbound/delivery-runner.ts";
import type { RoutingConfig } from "../smtp/outbound/route.ts";
import { Directory } from "../store/directory.ts";
import { httpBlobStore, startLocalR2 } from "../store/local-r2.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import { Shards } from "../store/shards.ts";
import { MailPipeline, type BatchReport } from "./mail-pipeline.ts";
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
  lingerMs?: number;
}

export type ToWorker = { type: "enqueue"; entries: MailEntry[] } | { type: "stop" };
export type FromWorker = { type: "ready"; blobsUrl: string } | ({ type: "batch" } & BatchReport) | { type: "stopped" };

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
const runner = new DeliveryRunner({
  queue,
  blobs,
  resolver: createResolver(data.dnsServers),
  routing: data.routing,
  hostname: data.hostname,
  directory,
  shards,
  log: log.child({ part: "delivery" }),
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
  onQueued: () => runner.wake(),
});
pipeline.start();
await runner.start();

port.on("message", (message: ToWorker) => {
  if (message.type === "enqueue") {
    // Buffers arrive as plain Uint8Arrays; the pipeline works on Buffers.
    for (const e of message.entries) pipeline.enqueue({ ...e, raw: Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength) });
  } else {
    void (async () => {
      await pipeline.stop();
      await runner.stop();
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
