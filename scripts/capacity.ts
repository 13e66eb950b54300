// npm run capacity [-- --results <dir>] [-- --snapshot] [-- --users 1e6,1e7,1e8,1e9]
//
// The capacity model of docs/capacity.md: regions, cores, shards, storage and the monthly bill for the
// design's load, from the benchmarks' measured figures. They are read from the newest result files under
// bench/results (or --results <dir>); a kind with no file there comes from the committed snapshot
// bench/capacity-inputs.json, and the printout says so. --snapshot writes that snapshot from the result
// files first (commit it after a benchmark sitting).
import path from "node:path";
import { parseArgs } from "node:util";
import { readResultFiles, readSnapshot, resolveMeasured, writeSnapshot } from "./capacity/inputs.ts";
import { pickAll } from "./capacity/measured.ts";
import { capacity, designLoad, perCoreFigures, sensitivities } from "./capacity/model.ts";
import { prices } from "./capacity/prices.ts";
import { report } from "./capacity/report.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SNAPSHOT = path.join(ROOT, "bench/capacity-inputs.json");

const { values: args } = parseArgs({
  options: {
    results: { type: "string", default: path.join(ROOT, "bench/results") },
    snapshot: { type: "boolean", default: false },
    users: { type: "string", default: "1e6,1e7,1e8,1e9" },
  },
});

const resultsDir = path.resolve(args.results);
if (args.snapshot) {
  const written = writeSnapshot(SNAPSHOT, resultsDir, ROOT);
  const missing = Object.entries(written.measured).filter(([, v]) => v === null).map(([k]) => k);
  console.log(`wrote ${path.relative(ROOT, SNAPSHOT)} from ${written.generatedFrom}${missing.length ? ` (nothing found for: ${missing.join(", ")})` : ""}\n`);
}

const resolved = resolveMeasured(pickAll(readResultFiles(resultsDir)), readSnapshot(SNAPSHOT), path.relative(ROOT, SNAPSHOT));
const per = perCoreFigures(resolved.measured, designLoad);
const rows = args.users.split(",").map((u) => capacity(Number(u), designLoad, per, prices));
const changes = sensitivities(resolved.measured, rows[rows.length - 1]!.users, designLoad, prices);
console.log(report(resolved, per, designLoad, rows, changes));
