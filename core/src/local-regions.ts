// Where `REGIONS=us,eu npm start` keeps each region on one machine, for the launcher and the CLI: each
// region a data folder of its own (DATA_DIR/regions/<name>: shards, directory, spool, queue and, for
// all but the first, its own local R2 bucket), and one global directory for all (DATA_DIR/global).
// The launcher records what it started (DATA_DIR/regions.json), so the CLI beside it finds the regions
// without REGIONS set.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface LocalRegion {
  name: string;
  dataDir: string;
  /** Its cores' API URLs (REGION_PEERS of the other regions, CORE_URLS of the edge). */
  apiUrls: string[];
  smtpPort: number;
  submissionPort: number;
}

export function regionDataDir(baseDir: string, region: string): string {
  return path.join(baseDir, "regions", region);
}

export function localGlobalDirectoryUrl(baseDir: string): string {
  return `file:${path.join(baseDir, "global", "directory.db")}`;
}

function regionsFile(baseDir: string): string {
  return path.join(baseDir, "regions.json");
}

export function recordLocalRegions(baseDir: string, regions: LocalRegion[]): void {
  writeFileSync(regionsFile(baseDir), `${JSON.stringify(regions, null, 2)}\n`);
}

/** The regions `REGIONS=… npm start` runs for this data folder, or null. */
export function localRegions(baseDir: string): LocalRegion[] | null {
  const file = regionsFile(baseDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LocalRegion[]) : null;
}

/** The environment of one region's core (or CLI) under `baseDir`. */
export function regionEnv(baseDir: string, region: string): Record<string, string> {
  return { DATA_DIR: regionDataDir(baseDir, region), REGION: region, GLOBAL_DIRECTORY_URL: localGlobalDirectoryUrl(baseDir) };
}
