// What the pipeline thread is told of the core's configuration: the settings its stores, pipeline,
// delivery agent and notifier read, picked from Config by name rather than copied one by one into a
// shape of its own, so that a setting they come to need is one more key here. The slice crosses to
// the worker as workerData (a structured clone: plain data and Maps).
import type { Config } from "../config.ts";

const KEYS = [
  "region",
  "hostname",
  "logLevel",
  "shards",
  "shardMapPollMs",
  "directoryUrl",
  "directoryReplicaUrl",
  "queueUrl",
  "libsqlAuthToken",
  "blobs",
  "internalSigningSecret",
  "events",
  "pipeline",
  "outbound",
  "protection",
  "global",
] as const satisfies readonly (keyof Config)[];

export type PipelineThreadConfig = Pick<Config, (typeof KEYS)[number]>;

export function pipelineThreadConfig(config: Config): PipelineThreadConfig {
  return Object.fromEntries(KEYS.map((key) => [key, config[key]])) as PipelineThreadConfig;
}
