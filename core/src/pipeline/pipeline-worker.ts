// The inbound pipeline's thread. It opens its own connections to the shards and R2, takes spooled
// messages from the main thread and reports finished batches back. Keeping it off the main thread
// matters because libSQL's local calls (and each commit's fsync) are synchronous: on the main thread
// they would stall every SMTP session while a batch is written.
import { parentPort, workerData } from "node:worker_threads";
import { createLogger, setLogLevel } from "../log.ts";
import { openLocalR2 } from "../store/local-r2.ts";
import { Shards } from "../store/shards.ts";
import type { InboundEntry } from "./inbound-message.ts";
import { InboundPipeline, type BatchReport } from "./inbound-pipeline.ts";
import { installOnePartBlob } from "./one-part-blob.ts";

export interface PipelineWorkerData {
  shards: { name: string; url: string }[];
  libsqlAuthToken: string | undefined;
  r2PersistDir: string;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  region: string;
  lingerMs?: number;
}

export type ToWorker = { type: "enqueue"; entries: InboundEntry[] } | { type: "stop" };
export type FromWorker = { type: "ready" } | ({ type: "batch" } & BatchReport) | { type: "stopped" };

installOnePartBlob();
const data = workerData as PipelineWorkerData;
const port = parentPort!;
setLogLevel(data.logLevel);
const log = createLogger({ svc: "core", region: data.region, part: "pipeline" });
const send = (message: FromWorker) => port.postMessage(message);

const shards = await Shards.open(data.shards, data.libsqlAuthToken);
const blobs = await openLocalR2(data.r2PersistDir);
const pipeline = new InboundPipeline({
  shards,
  blobs,
  log,
  lingerMs: data.lingerMs,
  onBatch: (report) => send({ type: "batch", ...report }),
});
pipeline.start();

port.on("message", (message: ToWorker) => {
  if (message.type === "enqueue") {
    // Buffers arrive as plain Uint8Arrays; the pipeline works on Buffers.
    for (const e of message.entries) pipeline.enqueue({ ...e, raw: Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength) });
  } else {
    void (async () => {
      await pipeline.stop();
      await blobs.close();
      shards.close();
      send({ type: "stopped" });
      port.close();
    })();
  }
});
send({ type: "ready" });
