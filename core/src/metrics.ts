// Prometheus metrics of a core node (text exposition format 0.0.4).
import type { PipelineThread } from "./pipeline-thread/thread.ts";
import type { SpoolMeta } from "./spool/entry.ts";
import type { Spool } from "./spool/spool.ts";
import type { OutboundQueue } from "./store/outbound-queue.ts";

type Sample = { labels?: Record<string, string>; value: number };

function metric(name: string, type: "gauge" | "counter", help: string, samples: Sample[]): string {
  const lines = samples.map((s) => {
    const labels = s.labels ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`).join(",")}}` : "";
    return `${name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`;
  });
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines].join("\n");
}

export async function renderMetrics(deps: { queue: OutboundQueue; spool: Spool<SpoolMeta>; pipeline: PipelineThread }, now = Date.now()): Promise<string> {
  const q = await deps.queue.stats(now);
  const spool = deps.spool.stats();
  const states = ["queued", "deferred", "sending", "delivered", "bounced"];
  return (
    [
      metric("edgemail_outbound_queue_depth", "gauge", "Recipients in the outbound delivery queue, by state.", states.map((state) => ({ labels: { state }, value: q.depth[state] ?? 0 }))),
      metric("edgemail_outbound_queue_oldest_age_seconds", "gauge", "Age of the oldest message still waiting for delivery.", [{ value: q.oldestWaitingAgeSeconds }]),
      metric("edgemail_spool_outstanding_messages", "gauge", "Messages accepted (synced to the spool) and not yet filed.", [{ value: spool.outstanding }]),
      metric("edgemail_spool_syncs_total", "counter", "Spool fdatasync calls (each covers every message that arrived meanwhile).", [{ value: spool.syncs }]),
      metric("edgemail_pipeline_backlog_bytes", "gauge", "Bytes accepted and not yet filed.", [{ value: deps.pipeline.backlogBytes }]),
      metric("edgemail_pipeline_filed_total", "counter", "Spool entries filed since start.", [{ value: deps.pipeline.stats.filed }]),
      metric("edgemail_events_pushed_total", "counter", "Mailbox events the edge accepted since start.", [{ value: deps.pipeline.eventStats.pushed }]),
      metric("edgemail_events_push_failures_total", "counter", "Event pushes to the edge that did not end in a 2xx (each is retried).", [{ value: deps.pipeline.eventStats.failures }]),
      metric("edgemail_events_dropped_total", "counter", "Events dropped from a full backlog (the edge reads them from the core).", [{ value: deps.pipeline.eventStats.dropped }]),
      metric("edgemail_events_backlog", "gauge", "Mailbox events waiting to be pushed to the edge.", [{ value: deps.pipeline.eventStats.backlog }]),
    ].join("\n") + "\n"
  );
}
