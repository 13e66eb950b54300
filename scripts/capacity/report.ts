// The capacity model's printout: where each measured figure came from, the per-core figures, a table
// from 1 M to 1 B users and the bill at the largest. Plain text that reads as Markdown (docs/capacity.md
// pastes it).
import type { Resolved } from "./inputs.ts";
import { assumptions, designYear, type Capacity, type Load, type PerCore, type Sensitivity } from "./model.ts";
import { PRICES_READ_ON } from "./prices.ts";

const int = (n: number) => Math.round(n).toLocaleString("en");
const fixed = (n: number, d = 1) => n.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d });
/** A share of cores: a fraction of one shown as such. */
const part = (n: number) => (n < 10 ? fixed(n, 1) : int(n));

export function bytes(n: number): string {
  const units: [number, string][] = [
    [1e18, "EB"],
    [1e15, "PB"],
    [1e12, "TB"],
    [1e9, "GB"],
  ];
  for (const [size, unit] of units) if (n >= size) return `${fixed(n / size, n / size < 10 ? 2 : 0)} ${unit}`;
  return `${fixed(n / 1e6, 1)} MB`;
}

export function usd(n: number): string {
  if (n >= 1e9) return `$${fixed(n / 1e9, 2)} B`;
  if (n >= 1e6) return `$${fixed(n / 1e6, 2)} M`;
  if (n >= 1e3) return `$${fixed(n / 1e3, 1)} k`;
  return `$${fixed(n, 2)}`;
}

/** What the server's own CPU per message would allow a fully busy core: less moved by a shared machine's load. */
const cpuCheck = (ms: number | null) => (ms === null ? "" : ` (by its CPU per message: ${fixed(1000 / ms)}/s)`);

const users = (n: number) => (n >= 1e9 ? `${n / 1e9} B` : `${n / 1e6} M`);

export function report(resolved: Resolved, per: PerCore, load: Omit<Load, "users">, rows: Capacity[], changes: Sensitivity[]): string {
  const m = resolved.measured;
  const out: string[] = [];
  const from = (s: { file: string; at: string }, kind: keyof Resolved["origin"]) =>
    `${resolved.origin[kind] === "snapshot" ? "snapshot of " : ""}${s.file} (${s.at})`;
  out.push(`Capacity model, prices read ${PRICES_READ_ON} (docs/capacity.md)`);
  out.push("");
  out.push(`Measured (per core = the whole system's rate ÷ the cores of the machine that measured it, client included):`);
  if (m.ingest) {
    const mode = m.ingest.connection === null ? "connection mode not recorded in the file" : `connection ${m.ingest.connection}`;
    out.push(
      `  ingest    ${fixed(m.ingest.filedPerSec)} filed/s, ${m.ingest.target}, ${m.ingest.scenario}, ${mode}${m.ingest.cpuMsPerMsg === null ? "" : `, ${fixed(m.ingest.cpuMsPerMsg, 2)} ms CPU/msg`}, ${m.ingest.cpus} cores → ${fixed(per.ingest5KBPerSec)}/s a core${cpuCheck(m.ingest.cpuMsPerMsg)} — ${from(m.ingest.from, "ingest")}`,
    );
  }
  if (m.size) {
    out.push(
      `  size      ${m.size.target}: 5 KB ${fixed(m.size.smallPerSec)}/s, 50 KB ${fixed(m.size.largePerSec)}/s → a ${int(per.messageBytes)}-byte message costs ${fixed(per.sizeCost, 2)}× a 5 KB one (linear in size) — ${from(m.size.from, "size")}`,
    );
  } else out.push(`  size      not measured: a 50 KB message assumed to cost ${assumptions.fallback.largeOverSmall}× a 5 KB one → ${fixed(per.sizeCost, 2)}× for ${int(per.messageBytes)} bytes`);
  if (m.send) {
    out.push(
      `  send      ${m.send.mode}: ${m.send.runs.map((r) => fixed(r)).join(", ")} delivered/s, median ${fixed(m.send.deliveredPerSec)}${m.send.cpuMsPerMsg === null ? "" : `, ${fixed(m.send.cpuMsPerMsg, 2)} ms CPU/msg`}, ${m.send.cpus} cores → ${fixed(per.send5KBPerSec)}/s a core${cpuCheck(m.send.cpuMsPerMsg)} — ${from(m.send.from, "send")}`,
    );
    out.push(
      m.send.apiEdge === null
        ? `  edge      CPU per API request: no send file with both modes, assumed ${per.edgeCpuMsPerRequest} ms`
        : `  edge      CPU per API request ${fixed(per.edgeCpuMsPerRequest, 2)} ms ("ours, API" CPU/msg minus submission's, medians: the local workerd and its emulators, an upper bound) — ${from(m.send.apiEdge.from, "send")}`,
    );
  }
  if (m.realtime) {
    out.push(
      `  realtime  SMTP 250 → event p50 ${fixed(m.realtime.eventP50Ms)} / p99 ${fixed(m.realtime.eventP99Ms)} ms at ${fixed(m.realtime.messagesPerSecond, 0)} msg/s; first inbox page from the Durable Object p50 ${fixed(m.realtime.hubFirstPageP50Ms, 2)} ms (taken as its time per request) — ${from(m.realtime.from, "realtime")}`,
    );
  } else out.push(`  realtime  not measured: a Durable Object request assumed to take ${per.doWallMsPerRequest} ms`);
  if (m.search) {
    out.push(
      `  search    ${m.search.through}: index ${int(m.search.indexBytesPerMessage)} bytes for ${int(m.search.corpusBytesPerMessage)}-byte messages (${fixed(per.indexRatio * 100, 0)}%), query p50 ${fixed(per.queryMs, 2)} ms (median of the kinds) — ${from(m.search.from, "search")}`,
    );
  } else {
    out.push(
      `  search    no saved bench:search output (it writes no result file): index assumed ${fixed(per.indexRatio * 100, 0)}% of the text, a query ${per.queryMs} ms of a core`,
    );
  }
  for (const note of resolved.notes) out.push(`  note: ${note}`);
  if (per.assumed.length) out.push(`  assumed, not measured: ${per.assumed.join(", ")}`);
  out.push("");
  out.push(
    `Per core, for the design's average message (${int(load.metadataBytesPerMessage)} B of metadata + ${load.attachmentShare * 100}% × ${int(load.attachmentBytes)} B of attachments = ${int(per.messageBytes)} B): ingest ${fixed(per.ingestPerSec)}/s, send ${fixed(per.sendPerSec)}/s; a search ${fixed(per.queryMs, 2)} ms`,
  );
  out.push(
    `Load: ${load.sendsPerUserDay} sends and ${load.receptionsPerUserDay} receptions a user a day, ${assumptions.searchesPerUserDay} searches, ${assumptions.apiRequestsPerUserDay} API requests; peak ${load.peakToAverage}× the day's average; cores bought to ${assumptions.targetUtilization * 100}% at the peak; storage after ${assumptions.storedYears} year, Sent copies included, shards ×${assumptions.shardCopies} copies on disks ${assumptions.diskFill * 100}% full`,
  );
  out.push("");
  out.push("| users | regions | sends/s (avg) | receptions/s (avg) | cores: ingest + send + search → bought | shards | metadata + index | shard disks (copies) | R2: attachments + raw | $ a month | $ a user-month |");
  out.push("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const c of rows) {
    out.push(
      `| ${users(c.users)} | ${c.regions} | ${int(c.perSecond.sends)} | ${int(c.perSecond.receptions)} | ${part(c.cores.ingest)} + ${part(c.cores.send)} + ${part(c.cores.search)} → ${int(c.cores.total)} | ${int(c.shards)} | ${bytes(c.storage.metadata)} + ${bytes(c.storage.index)} | ${bytes(c.storage.shardDisk)} | ${bytes(c.storage.attachments)} + ${bytes(c.storage.rawInR2)} | ${usd(c.monthly.total)} | ${usd(c.perUserMonthUsd)} |`,
    );
  }
  const top = rows[rows.length - 1]!;
  out.push("");
  out.push(`The bill at ${users(top.users)} users, a month:`);
  const lines: [string, number][] = [
    ["cores", top.monthly.cores],
    ["shard disks", top.monthly.shardDisk],
    ["R2 storage", top.monthly.r2Storage],
    ["R2 operations", top.monthly.r2Operations],
    ["Workers", top.monthly.workers],
    ["Durable Objects", top.monthly.durableObjects],
    ["Queues", top.monthly.queues],
  ];
  for (const [name, value] of lines) out.push(`  ${name.padEnd(16)} ${usd(value).padStart(10)}  ${fixed((value / top.monthly.total) * 100, 1).padStart(5)}%`);
  out.push(`  ${"total".padEnd(16)} ${usd(top.monthly.total).padStart(10)}`);
  out.push("");
  out.push(`One change at a time, the bill at ${users(top.users)} users (largest effect first):`);
  for (const c of [...changes].sort((x, y) => Math.abs(y.total - top.monthly.total) - Math.abs(x.total - top.monthly.total))) {
    out.push(`  ${c.change.padEnd(66)} ${usd(c.total).padStart(10)}  ${fixed((c.total / top.monthly.total) * 100, 0).padStart(4)}%`);
  }
  const design = designYear(1e9, load);
  out.push("");
  out.push(
    `Check of the units: 1 B users × ${load.receptionsPerUserDay} receptions × 365 days give ${bytes(design.metadata)} of metadata and ${bytes(design.attachments)} of attachments a year (issue 16: 730 PB and 1,460 PB); with the Sent copies stored the model counts ${bytes((design.metadata * (load.receptionsPerUserDay + load.sendsPerUserDay)) / load.receptionsPerUserDay)} of metadata.`,
  );
  return out.join("\n");
}
