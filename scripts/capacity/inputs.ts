// Where the measured figures come from: the result files under bench/results (gitignored, written by the
// benchmarks on this machine), else the committed snapshot bench/capacity-inputs.json, which
// `npm run capacity -- --snapshot` writes from the result files. A fresh clone has only the snapshot.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { dateOfName, MEASURED_KINDS, pickAll, type Measured, type MeasuredKind, type ResultFile } from "./measured.ts";

export interface Snapshot {
  generatedAt: string;
  /** The results folder it was generated from, relative to its checkout. */
  generatedFrom: string;
  measured: Measured;
}

export type Origin = "results" | "snapshot" | "none";

export interface Resolved {
  measured: Measured;
  origin: Record<MeasuredKind, Origin>;
  /** Which kinds came from the snapshot, and which from nowhere, to print. */
  notes: string[];
}

/** Each kind from the result files when they have it, else from the snapshot, saying so. */
export function resolveMeasured(fromResults: Measured, snapshot: Snapshot | null, snapshotName: string): Resolved {
  const measured = { ...fromResults };
  const origin = {} as Record<MeasuredKind, Origin>;
  const notes: string[] = [];
  for (const kind of MEASURED_KINDS) {
    if (fromResults[kind]) {
      origin[kind] = "results";
    } else if (snapshot?.measured[kind]) {
      (measured as Record<MeasuredKind, unknown>)[kind] = snapshot.measured[kind];
      origin[kind] = "snapshot";
    } else {
      origin[kind] = "none";
    }
  }
  const of = (o: Origin) => MEASURED_KINDS.filter((k) => origin[k] === o);
  if (of("snapshot").length) {
    notes.push(`no usable result file under bench/results for ${of("snapshot").join(", ")}: taken from the snapshot ${snapshotName} (generated ${snapshot!.generatedAt} from ${snapshot!.generatedFrom})`);
  }
  if (of("none").length) notes.push(`no result file and nothing in the snapshot for ${of("none").join(", ")}: the model uses its stated assumptions instead`);
  return { measured, origin, notes };
}

/** The benchmarks' result files in `dir` (JSON parsed; search's saved output kept as text). */
export function readResultFiles(dir: string): ResultFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const at = dateOfName(name);
    if (!at) return [];
    const text = readFileSync(path.join(dir, name), "utf8");
    if (name.endsWith(".json")) {
      try {
        return [{ name, at, content: JSON.parse(text) as unknown }];
      } catch {
        return [];
      }
    }
    return name.startsWith("search-") ? [{ name, at, content: text }] : [];
  });
}

export function readSnapshot(file: string): Snapshot | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8")) as Snapshot;
}

/** A kind the results folder has nothing for keeps the previous snapshot's figure, which names its own
 * file and date: a folder where only some benchmarks ran does not erase what the others measured. */
function keepPrevious(found: Measured, previous: Snapshot | null): Measured {
  if (!previous) return found;
  const kept = { ...found } as Record<keyof Measured, unknown>;
  for (const kind of Object.keys(found) as (keyof Measured)[]) if (kept[kind] === null) kept[kind] = previous.measured[kind] ?? null;
  return kept as Measured;
}

export function writeSnapshot(file: string, resultsDir: string, root: string): Snapshot {
  const rel = path.relative(root, resultsDir);
  const snapshot: Snapshot = {
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    // Another checkout's results (the main one's, say): its last two segments, not this machine's path.
    generatedFrom: rel.startsWith("..") || path.isAbsolute(rel) ? path.join(path.basename(path.dirname(resultsDir)), path.basename(resultsDir)) : rel,
    measured: keepPrevious(pickAll(readResultFiles(resultsDir)), readSnapshot(file)),
  };
  writeFileSync(file, JSON.stringify(snapshot, null, 2) + "\n");
  return snapshot;
}
