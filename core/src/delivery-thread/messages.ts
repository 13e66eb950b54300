// What the pipeline thread and the delivery thread (./worker.ts) say to each other: the delivery
// thread's start-up data, and the messages each way (new mail and its pack, stop; in return readiness,
// the events of the DSNs it files, stopped).
import type { CoreEvent } from "../../../shared/events.ts";
import type { Config } from "../config.ts";

/** The settings the delivery thread reads (the pipeline thread hands on its own, a superset). */
export type DeliveryThreadConfig = Pick<Config, "region" | "hostname" | "logLevel" | "shards" | "shardMapPollMs" | "directoryUrl" | "directoryReplicaUrl" | "queueUrl" | "libsqlAuthToken" | "outbound" | "blobs" | "global" | "internalSigningSecret">;

export interface DeliveryWorkerData {
  config: DeliveryThreadConfig;
}

export type ToDelivery = { type: "queued"; pack: { key: string; bytes: Uint8Array } } | { type: "stop" };
export type FromDelivery = { type: "ready" } | { type: "events"; events: CoreEvent[] } | { type: "stopped" };
