// What the main thread and the pipeline thread say to each other: the worker's start-up data and the
// messages each way (entries to file and events to push in; readiness, batch reports and the
// notifier's figures out).
import type { CoreEvent } from "../../../shared/events.ts";
import type { NotifierStats } from "../events/notifier.ts";
import type { BatchReport } from "../pipeline/mail-pipeline.ts";
import type { MailEntry } from "../spool/entry.ts";
import type { PipelineThreadConfig } from "./config.ts";

export interface WorkerData {
  config: PipelineThreadConfig;
}

export type ToWorker = { type: "enqueue"; entries: MailEntry[] } | { type: "events"; events: CoreEvent[] } | { type: "stop" };
export type FromWorker =
  | { type: "ready" }
  | ({ type: "batch" } & BatchReport)
  | { type: "blob-store"; down: boolean }
  | ({ type: "event-stats" } & NotifierStats)
  | { type: "stopped" };
