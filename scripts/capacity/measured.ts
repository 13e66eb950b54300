// The figures the capacity model takes from the benchmarks, picked out of their result files. Pure: the
// files come in already read (name and parsed content), so the rules can be tested on made-up files.
// Which row is taken, and why:
//  - ingest: `bench:ingest -- --system` (target "edgemail system": the whole system as `npm start` runs
//    it, counted through the edge), 5 KB, a new connection per message when the file records the mode
//    (files written before the mode was recorded: the newest such row, said so);
//  - the cost of a message's size: the newest file with 5 KB and 50 KB rows of one edgemail target;
//  - send: `bench:send` mode "ours, submission" (SMTP submission → the remote 250), the median of the
//    file's runs; the edge's CPU per API send is "ours, API" minus submission, in the newest file with both;
//  - realtime: `bench:realtime` SMTP 250 → event p50/p99 and the first inbox page from the Durable Object;
//  - search: `bench:search` writes no file; its last line is a JSON summary, picked out of its output
//    saved under bench/results (search-<date>.txt or .log).

export interface ResultFile {
  /** The file's name, e.g. ingest-2026-12-07T21-41-06-482Z.json. */
  name: string;
  /** When it was written, from its name (ISO, to the second). */
  at: string;
  content: unknown;
}

export interface Source {
  file: string;
  at: string;
}

export interface IngestFigure {
  filedPerSec: number;
  cpuMsPerMsg: number | null;
  target: string;
  scenario: string;
  /** "per-message" or "reused"; null when the file did not record it. */
  connection: string | null;
  /** Processors of the machine that measured it (2 when the file does not say). */
  cpus: number;
  from: Source;
}

export interface SizeFigure {
  target: string;
  smallBytes: number;
  largeBytes: number;
  smallPerSec: number;
  largePerSec: number;
  from: Source;
}

export interface SendFigure {
  mode: string;
  runs: number[];
  deliveredPerSec: number;
  cpuMsPerMsg: number | null;
  /** CPU of the (local) edge per API send: "ours, API" minus submission, medians of one file. */
  apiEdge: { cpuMsPerMsg: number; from: Source } | null;
  cpus: number;
  from: Source;
}

export interface RealtimeFigure {
  messagesPerSecond: number;
  eventP50Ms: number;
  eventP99Ms: number;
  hubFirstPageP50Ms: number;
  from: Source;
}

export interface SearchFigure {
  through: string;
  indexBytesPerMessage: number;
  corpusBytesPerMessage: number;
  /** The median over the kinds of query of each kind's p50. */
  queryP50Ms: number;
  from: Source;
}

export interface Measured {
  ingest: IngestFigure | null;
  size: SizeFigure | null;
  send: SendFigure | null;
  realtime: RealtimeFigure | null;
  search: SearchFigure | null;
}

export const MEASURED_KINDS = ["ingest", "size", "send", "realtime", "search"] as const;
export type MeasuredKind = (typeof MEASURED_KINDS)[number];

/** The machine the benchmarks ran on, when a file does not say. */
export const DEFAULT_CPUS = 2;

/** `ingest-2026-12-07T21-41-06-482Z.json` → `2026-12-07T21:41:06Z`; null for a name without a date. */
export function dateOfName(name: string): string | null {
  const m = /(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(?:-\d+)?Z/.exec(name);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : null;
}

const newestFirst = (files: ResultFile[], prefix: string) =>
  files.filter((f) => f.name.startsWith(prefix)).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

const rowsOf = (f: ResultFile): Record<string, unknown>[] => (Array.isArray(f.content) ? (f.content as Record<string, unknown>[]) : []);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const source = (f: ResultFile): Source => ({ file: f.name, at: f.at });

export function pickIngest(files: ResultFile[]): IngestFigure | null {
  const candidates = newestFirst(files, "ingest-").flatMap((f) =>
    rowsOf(f)
      .filter((r) => r.target === "edgemail system" && r.scenario === "5 KB" && num(r.filedPerSec) !== null)
      .map((r) => ({ f, r })),
  );
  const perMessage = candidates.find((c) => c.r.connection === "per-message");
  const unrecorded = candidates.find((c) => c.r.connection === undefined);
  const chosen = perMessage ?? unrecorded ?? candidates[0];
  if (!chosen) return null;
  const { f, r } = chosen;
  return {
    filedPerSec: num(r.filedPerSec)!,
    cpuMsPerMsg: num(r.cpuMsPerMsg),
    target: String(r.target),
    scenario: String(r.scenario),
    connection: typeof r.connection === "string" ? r.connection : null,
    cpus: num(r.cpus) ?? DEFAULT_CPUS,
    from: source(f),
  };
}

export function pickSize(files: ResultFile[]): SizeFigure | null {
  for (const f of newestFirst(files, "ingest-")) {
    const rows = rowsOf(f);
    const targets = [...new Set(rows.map((r) => String(r.target)))].filter((t) => t.startsWith("edgemail") && !t.includes("sqld") && !t.includes("cores"));
    // The whole system first, as the ingest figure is.
    targets.sort((a, b) => Number(b === "edgemail system") - Number(a === "edgemail system"));
    for (const target of targets) {
      const small = rows.find((r) => r.target === target && r.scenario === "5 KB");
      const large = rows.find((r) => r.target === target && r.scenario === "50 KB");
      const s = num(small?.filedPerSec);
      const l = num(large?.filedPerSec);
      // A run whose filing did not finish (a handful a second) says nothing about size.
      if (s !== null && l !== null && s >= 20 && l >= 20) {
        return { target, smallBytes: 5 * 1024, largeBytes: 50 * 1024, smallPerSec: s, largePerSec: l, from: source(f) };
      }
    }
  }
  return null;
}

export function pickSend(files: ResultFile[]): SendFigure | null {
  const sendFiles = newestFirst(files, "send-");
  const of = (f: ResultFile, mode: string) => rowsOf(f).filter((r) => r.mode === mode && num(r.deliveredPerSec) !== null);
  const cpu = (rs: Record<string, unknown>[]) => {
    const xs = rs.map((r) => num(r.cpuMsPerMsg)).filter((x): x is number => x !== null);
    return xs.length ? median(xs) : null;
  };
  const f = sendFiles.find((x) => of(x, "ours, submission").length > 0);
  if (!f) return null;
  const submission = of(f, "ours, submission");
  // The edge's share of an API send: the newest sitting that ran both modes (it may be an older file).
  let apiEdge: SendFigure["apiEdge"] = null;
  for (const g of sendFiles) {
    const api = cpu(of(g, "ours, API"));
    const smtp = cpu(of(g, "ours, submission"));
    if (api !== null && smtp !== null && api > smtp) {
      apiEdge = { cpuMsPerMsg: api - smtp, from: source(g) };
      break;
    }
  }
  const runs = submission.map((r) => num(r.deliveredPerSec)!);
  return {
    mode: "ours, submission",
    runs,
    deliveredPerSec: median(runs),
    cpuMsPerMsg: cpu(submission),
    apiEdge,
    cpus: num(submission[0]!.cpus) ?? DEFAULT_CPUS,
    from: source(f),
  };
}

export function pickRealtime(files: ResultFile[]): RealtimeFigure | null {
  for (const f of newestFirst(files, "realtime-")) {
    const c = f.content as { messages?: { perSecond?: unknown }; smtp250ToEvent?: { p50ms?: unknown; p99ms?: unknown }; inboxFirstPage?: { hub?: { p50ms?: unknown } } } | null;
    const p50 = num(c?.smtp250ToEvent?.p50ms);
    const p99 = num(c?.smtp250ToEvent?.p99ms);
    const hub = num(c?.inboxFirstPage?.hub?.p50ms);
    const rate = num(c?.messages?.perSecond);
    if (p50 !== null && p99 !== null && hub !== null && rate !== null) {
      return { messagesPerSecond: rate, eventP50Ms: p50, eventP99Ms: p99, hubFirstPageP50Ms: hub, from: source(f) };
    }
  }
  return null;
}

/** The JSON summary line bench:search prints last, out of its saved output (a string). */
export function searchSummaryOf(output: string): Omit<SearchFigure, "from"> | null {
  for (const line of output.split("\n").reverse()) {
    if (!line.startsWith("{") || !line.includes("indexBytesPerMessage")) continue;
    try {
      const s = JSON.parse(line) as { through?: unknown; indexBytesPerMessage?: unknown; corpusBytesPerMessage?: unknown; queries?: Record<string, { p50?: unknown }> };
      const index = num(s.indexBytesPerMessage);
      const corpus = num(s.corpusBytesPerMessage);
      const p50s = Object.values(s.queries ?? {}).map((q) => num(q.p50)).filter((x): x is number => x !== null);
      if (index === null || corpus === null || !p50s.length) continue;
      return { through: String(s.through ?? "in-process"), indexBytesPerMessage: index, corpusBytesPerMessage: corpus, queryP50Ms: median(p50s) };
    } catch {
      continue;
    }
  }
  return null;
}

/** In-process runs first: their query time is the core's alone (through the edge it adds the round trip). */
export function pickSearch(files: ResultFile[]): SearchFigure | null {
  const found = newestFirst(files, "search-").flatMap((f) => {
    const summary = typeof f.content === "string" ? searchSummaryOf(f.content) : null;
    return summary ? [{ ...summary, from: source(f) }] : [];
  });
  return found.find((s) => s.through === "in-process") ?? found[0] ?? null;
}

export function pickAll(files: ResultFile[]): Measured {
  return { ingest: pickIngest(files), size: pickSize(files), send: pickSend(files), realtime: pickRealtime(files), search: pickSearch(files) };
}
