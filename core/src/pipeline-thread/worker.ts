// The pipeline thread's entry, where its parts are wired together: the mail pipeline (parse, build,
// file) through this thread's mailbox service, with its own connections to the shards, the directory,
// the delivery queue and R2 (the blob store the config names); the delivery agent runs on a thread of its own that this one starts
// (delivery-thread/) with the first mail to send, told of each batch's queued mail with the batch's pack. Keeping them off the main
// thread matters because libSQL's local calls (and each commit's fsync) are synchronous: on the main
// thread they would stall every SMTP session while a batch is written.
// The event notifier lives here too: nearly all events come from filing in this thread, so they never
// cross threads, and pushing them (JSON of thousands of events, HTTP) stays off the SMTP thread. The
// few events of API changes made on the main thread are posted over. Settings come as the slice of
// Config in ./config.ts.
import { flushCompileCache } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { CoreEvent } from "../../../shared/events.ts";
import { createResolver } from "../dns.ts";
import { DeliveryThread } from "../delivery-thread/thread.ts";
import { EventNotifier } from "../events/notifier.ts";
import { repushRecent } from "../events/repush.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { MailboxService } from "../mailbox/service.ts";
import { MailPipeline } from "../pipeline/mail-pipeline.ts";
import { installOnePartBlob } from "../pipeline/one-part-blob.ts";
import { messageTokens } from "../pipeline/spam/bayes.ts";
import { SpamStage } from "../pipeline/spam-stage.ts";
import { UserScripts } from "../pipeline/user-scripts.ts";
import { Directory } from "../store/directory.ts";
import { GlobalDirectory } from "../store/global-directory.ts";
import { openBlobStore } from "../store/open-blobs.ts";
import { OutboundQueue, SENDING } from "../store/outbound-queue.ts";
import { Retention } from "../store/retention.ts";
import { readerId } from "../store/shard-map.ts";
import { Shards } from "../store/shards.ts";
import type { FromWorker, ToWorker, WorkerData } from "./messages.ts";

installOnePartBlob();
const { config } = workerData as WorkerData;
const port = parentPort!;
setLogLevel(config.logLevel);
const log = createLogger({ svc: "core", region: config.region, part: "pipeline" });
const send = (message: FromWorker) => port.postMessage(message);

const directory = await Directory.open(config.directoryUrl, config.libsqlAuthToken, config.directoryReplicaUrl);
const shards = await Shards.open(config.shards, config.libsqlAuthToken, directory);
shards.watch({ reader: readerId("pipeline"), everyMs: config.shardMapPollMs, onError: (err) => log.warn("shard map: could not take in the shards added", { err: String(err) }) });
const queue = await OutboundQueue.open(config.queueUrl, config.libsqlAuthToken);
// With several regions: a user's mail to someone homed in another region is queued for it.
const global = config.global ? await GlobalDirectory.open(config.global.url, config.internalSigningSecret, config.libsqlAuthToken, config.global.replicaUrl) : null;
const blobs = openBlobStore(config.blobs);
const notifier = config.events.edgeUrl
  ? new EventNotifier({
      edge: { url: config.events.edgeUrl, secret: config.internalSigningSecret },
      region: config.region,
      requests: config.events.pushRequests,
      log: log.child({ part: "events" }),
      onStats: (stats) => send({ type: "event-stats", ...stats }),
    })
  : null;
if (!notifier) log.info("events: EDGE_URL is not set; mailbox events are recorded in the shards but not pushed to an edge");
const publish = (events: CoreEvent[]) => notifier?.publish(events);
// This thread's mailbox service: filing (delivered mail, DSNs) publishes straight to the notifier.
const mailbox = new MailboxService({ shards, directory, blobs, log: log.child({ part: "mailbox" }), publish, spamTokens: messageTokens });
const retention = new Retention({ queue, shards, eventRetentionMs: config.events.retentionMs, log, blobs: { store: blobs, queueLifetimeMs: config.outbound.queueLifetimeMs } });
const resolver = createResolver(config.outbound.dnsServers);
const spam = new SpamStage({ directory, shards, resolver, threshold: config.protection.spamThreshold, dnsblZones: config.protection.dnsblZones });
// The delivery thread is an isolate of its own (its heap and its connections, some 40–60 MiB): it
// starts with the first mail to send, or now if the queue holds mail from an earlier run, so a core
// that only receives does not carry it. Once started it stays. A failed start fails this thread.
let delivery: Promise<DeliveryThread> | null = null;
const startDelivery = () => (delivery ??= DeliveryThread.start(config, { publish, log }));
const { depth } = await queue.stats(Date.now());
if ((depth.queued ?? 0) + (depth.deferred ?? 0) + (depth[SENDING] ?? 0) > 0) await startDelivery();
const pipeline = new MailPipeline({
  shards,
  blobs,
  queue,
  directory,
  log,
  hostname: config.hostname,
  queueLifetimeMs: config.outbound.queueLifetimeMs,
  recordError: (e) => queue.addError({ id: crypto.randomUUID(), ...e }),
  stagedBatches: config.pipeline.stagedBatches,
  onBatch: (report) => send({ type: "batch", ...report }),
  onBlobStore: (down) => send({ type: "blob-store", down }),
  mailbox,
  onQueued: (pack) => void startDelivery().then((d) => d.queued(pack)),
  srsSecret: config.protection.srsSecret,
  scripts: new UserScripts(),
  scoreSpam: (input) => spam.inbound(input),
  scoreOutbound: (raw, mail, sender) => spam.outbound(raw, mail, sender),
  homedElsewhere: global ? async (candidates) => (await global.elsewhere(candidates, config.region)) !== null : null,
});
if (notifier) {
  // Before anything new is filed, so that each user's older events go out first.
  const repushed = await repushRecent(shards, notifier, Date.now() - config.events.repushWindowMs);
  log.info("events: pushing to the edge", { edge: config.events.edgeUrl, repushed });
}
pipeline.start();
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
      await (await delivery)?.stop();
      await retention.stop();
      await notifier?.stop();
      await blobs.close();
      queue.close();
      await shards.unwatch();
      directory.close();
      global?.close();
      shards.close();
      send({ type: "stopped" });
      port.close();
    })();
  }
});
send({ type: "ready" });
// This thread's modules, for the next start (heap-limits.ts).
flushCompileCache();
