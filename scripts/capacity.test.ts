import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readResultFiles, readSnapshot, resolveMeasured, writeSnapshot } from "./capacity/inputs.ts";
import { dateOfName, pickAll, pickIngest, pickSearch, pickSend, searchSummaryOf, type ResultFile } from "./capacity/measured.ts";
import { capacity, designLoad, designYear, perCoreFigures } from "./capacity/model.ts";
import { prices } from "./capacity/prices.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

const ingestRow = (over: Record<string, unknown>) => ({
  target: "edgemail system",
  scenario: "5 KB",
  messages: 4000,
  acceptedPerSec: 700,
  filedPerSec: 600,
  cpuMsPerMsg: 2.5,
  ...over,
});
const sendRow = (mode: string, run: number, deliveredPerSec: number, cpuMsPerMsg: number | null) => ({ mode, run, deliveredPerSec, cpuMsPerMsg });

/** A sitting's result files, as the benchmarks write them. */
const sitting: Record<string, unknown> = {
  "ingest-2026-12-07T20-00-00-000Z.json": [ingestRow({ filedPerSec: 600, connection: "per-message" }), ingestRow({ target: "postfix+dovecot", filedPerSec: 300 })],
  // Newer, but connections reused and sqld: not the figure the model takes.
  "ingest-2026-12-07T21-00-00-000Z.json": [ingestRow({ filedPerSec: 800, connection: "reused" }), ingestRow({ target: "edgemail system sqld", filedPerSec: 180, connection: "per-message" })],
  "ingest-2026-12-07T17-00-00-000Z.json": [ingestRow({ filedPerSec: 400 }), ingestRow({ scenario: "50 KB", filedPerSec: 200 })],
  "send-2026-12-07T20-00-00-000Z.json": [
    sendRow("sink alone", 0, 6000, null),
    sendRow("ours, submission", 1, 700, 2),
    sendRow("ours, API", 1, 200, 7),
    sendRow("ours, submission", 2, 800, 2.2),
    sendRow("ours, API", 2, 210, 6.5),
    sendRow("ours, submission", 3, 900, 1.8),
    sendRow("ours, API", 3, 190, 7.5),
  ],
  // Newer, submission only: the rate comes from here, the edge's CPU from the sitting above.
  "send-2026-12-07T21-00-00-000Z.json": [sendRow("ours, submission", 1, 500, 2.4), sendRow("ours, submission", 2, 600, 2.6)],
  "realtime-2026-12-07T20-00-00-000Z.json": {
    messages: { perSecond: 130 },
    smtp250ToEvent: { p50ms: 50, p99ms: 150 },
    inboxFirstPage: { hub: { p50ms: 3.5 } },
  },
};
const searchOutput = [
  "corpus: 6046 messages parsed in 3.1 s, 5325 bytes each on average",
  "rare word                      10     4.00    12.80    14.00  29, …",
  JSON.stringify({ messages: 100000, through: "in-process", indexBytesPerMessage: 1445, corpusBytesPerMessage: 5325, queries: { a: { p50: 4 }, b: { p50: 6 }, c: { p50: 10 } } }),
  "",
  "done in 120 s",
].join("\n");

const files: ResultFile[] = Object.entries(sitting).map(([name, content]) => ({ name, at: dateOfName(name)!, content }));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function resultsDir(withSearch = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), "capacity-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "results"));
  for (const [name, content] of Object.entries(sitting)) writeFileSync(path.join(dir, "results", name), JSON.stringify(content));
  if (withSearch) writeFileSync(path.join(dir, "results", "search-2026-12-07T20-30-00Z.txt"), searchOutput);
  return dir;
}

describe("the figures picked out of the result files", () => {
  it("takes the whole system's per-connection ingest, not a newer run with connections reused or on sqld", () => {
    const ingest = pickIngest(files)!;
    expect(ingest).toMatchObject({ filedPerSec: 600, connection: "per-message", cpus: 2, from: { file: "ingest-2026-12-07T20-00-00-000Z.json", at: "2026-12-07T20:00:00Z" } });
  });

  it("takes the newest submission's median, and the edge's CPU per API send from the newest sitting with both modes", () => {
    const send = pickSend(files)!;
    expect(send.runs).toEqual([500, 600]);
    expect(send.deliveredPerSec).toBe(550);
    expect(send.from.file).toBe("send-2026-12-07T21-00-00-000Z.json");
    expect(send.apiEdge).toEqual({ cpuMsPerMsg: 5, from: { file: "send-2026-12-07T20-00-00-000Z.json", at: "2026-12-07T20:00:00Z" } });
  });

  it("reads bench:search's summary line out of its saved output", () => {
    expect(searchSummaryOf(searchOutput)).toEqual({ through: "in-process", indexBytesPerMessage: 1445, corpusBytesPerMessage: 5325, queryP50Ms: 6 });
    expect(searchSummaryOf("no summary here\n{not json indexBytesPerMessage")).toBeNull();
  });

  it("prefers an in-process search run to a newer one through the edge (whose time includes the round trip)", () => {
    const edgeOutput = JSON.stringify({ through: "edge", indexBytesPerMessage: 1445, corpusBytesPerMessage: 5325, queries: { a: { p50: 25 }, b: { p50: 30 }, c: { p50: 40 } } });
    const runs: ResultFile[] = [
      { name: "search-2026-12-07T20-30-00Z.txt", at: "2026-12-07T20:30:00Z", content: searchOutput },
      { name: "search-2026-12-07T21-30-00Z.txt", at: "2026-12-07T21:30:00Z", content: edgeOutput },
    ];
    expect(pickSearch(runs)).toMatchObject({ through: "in-process", queryP50Ms: 6, from: { file: "search-2026-12-07T20-30-00Z.txt" } });
    expect(pickSearch(runs.slice(1))).toMatchObject({ through: "edge", queryP50Ms: 30 });
  });

  it("per core is the whole system's rate over the machine's cores, and a larger message costs more", () => {
    const per = perCoreFigures(pickAll(files), designLoad);
    expect(per.ingest5KBPerSec).toBe(300);
    expect(per.send5KBPerSec).toBe(275);
    expect(per.edgeCpuMsPerRequest).toBe(5);
    // 5 KB at 400/s, 50 KB at 200/s: twice the cost for 45 KB more, linear beyond.
    expect(per.sizeCost).toBeCloseTo(1 + (150_000 - 5120) / (51_200 - 5120), 9);
    expect(per.ingestPerSec).toBeCloseTo(300 / per.sizeCost, 9);
    expect(per.assumed).toEqual(["query time", "index size"]);
  });
});

describe("the model", () => {
  const per = perCoreFigures(pickAll(files), designLoad);

  it("doubling the users doubles the cores, shards, storage and bill", () => {
    const one = capacity(400e6, designLoad, per, prices);
    const two = capacity(800e6, designLoad, per, prices);
    expect(two.regions).toBe(2 * one.regions);
    expect(two.cores.total).toBe(2 * one.cores.total);
    expect(two.cores.ingest).toBeCloseTo(2 * one.cores.ingest, 6);
    expect(two.shards).toBe(2 * one.shards);
    for (const k of ["metadata", "index", "shardDisk", "r2", "durableObjects"] as const) expect(two.storage[k]).toBeCloseTo(2 * one.storage[k], -3);
    expect(two.monthly.total).toBeCloseTo(2 * one.monthly.total, 2);
    expect(two.perUserMonthUsd).toBeCloseTo(one.perUserMonthUsd, 9);
  });

  it("the design's load gives the issue's 730 PB of metadata and 1,460 PB of attachments a year", () => {
    const year = designYear(1e9, designLoad);
    expect(year.metadata).toBe(730e15);
    expect(year.attachments).toBe(1460e15);
  });

  it("faster cores mean fewer cores, and nothing else changes", () => {
    const base = capacity(1e8, designLoad, per, prices);
    const fast = capacity(1e8, designLoad, { ...per, ingestPerSec: per.ingestPerSec * 2, sendPerSec: per.sendPerSec * 2 }, prices);
    expect(fast.cores.ingest).toBeCloseTo(base.cores.ingest / 2, 6);
    expect(fast.cores.total).toBeLessThan(base.cores.total);
    expect(fast.storage).toEqual(base.storage);
    expect(fast.monthly.shardDisk).toBe(base.monthly.shardDisk);
  });
});

describe("the snapshot", () => {
  it("is written from the result files, and a clone without them falls back to it, saying so", () => {
    const dir = resultsDir();
    const snapshotFile = path.join(dir, "capacity-inputs.json");
    const written = writeSnapshot(snapshotFile, path.join(dir, "results"), dir);
    expect(written.generatedFrom).toBe("results");
    expect(written.measured.search?.queryP50Ms).toBe(6);

    const fromResults = resolveMeasured(pickAll(readResultFiles(path.join(dir, "results"))), readSnapshot(snapshotFile), "capacity-inputs.json");
    expect(Object.values(fromResults.origin)).toEqual(["results", "results", "results", "results", "results"]);
    expect(fromResults.notes).toEqual([]);

    const freshClone = resolveMeasured(pickAll(readResultFiles(path.join(dir, "no-such-folder"))), readSnapshot(snapshotFile), "capacity-inputs.json");
    expect(Object.values(freshClone.origin)).toEqual(["snapshot", "snapshot", "snapshot", "snapshot", "snapshot"]);
    expect(freshClone.measured).toEqual(written.measured);
    expect(freshClone.notes).toEqual([
      `no usable result file under bench/results for ingest, size, send, realtime, search: taken from the snapshot capacity-inputs.json (generated ${written.generatedAt} from results)`,
    ]);
  });

  it("fills only the kinds the result files lack", () => {
    const dir = resultsDir(false);
    const snapshot = { generatedAt: "2026-12-07T23:00:00Z", generatedFrom: "bench/results", measured: { ...pickAll(files), search: { through: "edge", indexBytesPerMessage: 1400, corpusBytesPerMessage: 5300, queryP50Ms: 15, from: { file: "search-x.txt", at: "2026-12-07T20:30:00Z" } } } };
    const resolved = resolveMeasured(pickAll(readResultFiles(path.join(dir, "results"))), snapshot, "s.json");
    expect(resolved.origin).toEqual({ ingest: "results", size: "results", send: "results", realtime: "results", search: "snapshot" });
    expect(resolved.measured.search?.queryP50Ms).toBe(15);
    expect(resolved.notes).toHaveLength(1);
  });

  it("rewritten from a sitting without a search run, keeps the previous snapshot's search figure with its source", () => {
    const before = resultsDir();
    const snapshotFile = path.join(before, "capacity-inputs.json");
    const first = writeSnapshot(snapshotFile, path.join(before, "results"), before);
    const later = resultsDir(false);
    const second = writeSnapshot(snapshotFile, path.join(later, "results"), later);
    expect(second.measured.search).toEqual(first.measured.search);
    expect(second.measured.search?.from.file).toBe("search-2026-12-07T20-30-00Z.txt");
    expect(second.measured.ingest).toEqual(pickAll(readResultFiles(path.join(later, "results"))).ingest);
  });

  it("the committed snapshot alone is enough for the model", () => {
    const snapshot = readSnapshot(path.join(ROOT, "bench/capacity-inputs.json"));
    expect(snapshot).not.toBeNull();
    const resolved = resolveMeasured(pickAll([]), snapshot, "bench/capacity-inputs.json");
    expect(resolved.origin.ingest).toBe("snapshot");
    expect(resolved.origin.send).toBe("snapshot");
    const row = capacity(1e9, designLoad, perCoreFigures(resolved.measured, designLoad), prices);
    expect(row.cores.total).toBeGreaterThan(0);
    expect(row.monthly.total).toBeGreaterThan(0);
  });
});
