// The delivery thread: the delivery agent (smtp/outbound/delivery-runner.ts) on a thread of its own,
// started by the pipeline thread. Filing and sending are the two busy parts of outgoing mail, and both
// are synchronous where libSQL is; on one thread each waited for the other (a batch's commits held
// every SMTP transaction in flight, and the other way round). Here the agent has its own connections
// to the queue, the shards and the directory (for the DSNs it files), and its own client of the blob
// store; the events of those DSNs go to the pipeline thread's notifier.
import { flushCompileCache } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { createResolver } from "../dns.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { MailboxService } from "../mailbox/service.ts";
import { dsnFiler } from "../pipeline/file-dsn.ts";
import { installOnePartBlob } from "../pipeline/one-part-blob.ts";
import { messageTokens } from "../pipeline/spam/bayes.ts";
import { DeliveryRunner } from "../smtp/outbound/delivery-runner.ts";
import { Directory } from "../store/directory.ts";
import { GlobalDirectory } from "../store/global-directory.ts";
import { RegionRelay } from "../smtp/inbound/region-relay.ts";
import { RegionDelivery } from "../smtp/outbound/region-delivery.ts";
import { openBlobStore } from "../store/open-blobs.ts";
import { OutboundQueue } from "../store/outbound-queue.ts";
import { readerId } from "../store/shard-map.ts";
import { Shards } from "../store/shards.ts";
import type { DeliveryWorkerData, FromDelivery, ToDelivery } from "./messages.ts";

installOnePartBlob();
const { config } = workerData as DeliveryWorkerData;
const port = parentPort!;
setLogLevel(config.logLevel);
const log = createLogger({ svc: "core", region: config.region, part: "delivery" });
const send = (message: FromDelivery) => port.postMessage(message);

const directory = await Directory.open(config.directoryUrl, config.libsqlAuthToken, config.directoryReplicaUrl);
const shards = await Shards.open(config.shards, config.libsqlAuthToken, directory);
shards.watch({ reader: readerId("delivery"), everyMs: config.shardMapPollMs, onError: (err) => log.warn("shard map: could not take in the shards added", { err: String(err) }) });
const queue = await OutboundQueue.open(config.queueUrl, config.libsqlAuthToken);
const blobs = openBlobStore(config.blobs);
// With several regions: mail to a user homed in another region goes to that region's core.
const global = config.global ? await GlobalDirectory.open(config.global.url, config.internalSigningSecret, config.libsqlAuthToken, config.global.replicaUrl) : null;
const regions =
  global && config.global
    ? new RegionDelivery({ directory, global, relay: new RegionRelay({ peers: config.global.peers, secret: config.internalSigningSecret, log: log.child({ part: "relay" }) }), region: config.region, hostname: config.hostname })
    : null;
const mailbox = new MailboxService({ shards, directory, blobs, log: log.child({ part: "mailbox" }), publish: (events) => send({ type: "events", events }), spamTokens: messageTokens });
const runner = new DeliveryRunner({
  queue,
  blobs,
  resolver: createResolver(config.outbound.dnsServers),
  routing: config.outbound,
  hostname: config.hostname,
  log,
  regions,
  returnToSender: dsnFiler({ blobs, directory, mailbox, hostname: config.hostname }),
  concurrency: config.outbound.concurrency,
  destinationConcurrency: config.outbound.destinationConcurrency,
});
await runner.start();

port.on("message", (message: ToDelivery) => {
  if (message.type === "queued") {
    const { key, bytes } = message.pack;
    runner.queued({ key, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  } else {
    void (async () => {
      await runner.stop();
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
