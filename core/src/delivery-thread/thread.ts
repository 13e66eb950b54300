// The pipeline thread's handle on the delivery thread (./worker.ts): tells it of new mail (with the
// pack of its raw bytes, copied across), passes the events of the DSNs it files to the notifier, and
// stops it.
import { Worker } from "node:worker_threads";
import type { CoreEvent } from "../../../shared/events.ts";
import { WORKER_RESOURCE_LIMITS } from "../heap-limits.ts";
import type { Logger } from "../log.ts";
import type { DeliveryThreadConfig, DeliveryWorkerData, FromDelivery, ToDelivery } from "./messages.ts";

export class DeliveryThread {
  readonly #worker: Worker;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static async start(config: DeliveryThreadConfig, { publish, log }: { publish: (events: CoreEvent[]) => void; log: Logger }): Promise<DeliveryThread> {
    // Only what it reads crosses over (the pipeline thread's slice carries secrets it has no use for).
    const { region, hostname, logLevel, shards, shardMapPollMs, directoryUrl, directoryReplicaUrl, queueUrl, libsqlAuthToken, outbound, blobs, global } = config;
    // The secret only with several regions: it signs the hand-off to another region's core.
    const internalSigningSecret = global ? config.internalSigningSecret : "";
    const workerData: DeliveryWorkerData = { config: { region, hostname, logLevel, shards, shardMapPollMs, directoryUrl, directoryReplicaUrl, queueUrl, libsqlAuthToken, outbound, blobs, global, internalSigningSecret } };
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData, resourceLimits: WORKER_RESOURCE_LIMITS });
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", function ready(m: FromDelivery) {
        if (m.type === "ready") {
          worker.off("message", ready);
          worker.off("error", reject);
          resolve();
        }
      });
    });
    worker.on("message", (m: FromDelivery) => {
      if (m.type === "events") publish(m.events);
    });
    // As for the pipeline thread: a delivery agent that dies takes the process with it, and a restart
    // retries whatever it had in flight.
    worker.on("error", (err) => {
      log.error("delivery thread failed; exiting so that a restart retries what was in flight", { err });
      process.exit(70);
    });
    return new DeliveryThread(worker);
  }

  queued(pack: { key: string; bytes: Buffer }): void {
    this.#post({ type: "queued", pack });
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#worker.on("message", (m: FromDelivery) => m.type === "stopped" && resolve());
      this.#worker.once("exit", () => resolve());
    });
    this.#post({ type: "stop" });
    await stopped;
  }

  #post(message: ToDelivery): void {
    this.#worker.postMessage(message);
  }
}
