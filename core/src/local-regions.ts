// Where `REGIONS=us,eu npm start` keeps each region on one machine, for the launcher and the CLI: each
// region a data folder of its own (DATA_DIR/regions/<name>: shards, directory, spool, queue), a bucket
// of its own in the edge's R2 emulator (localResidency), and one global directory for all (DATA_DIR/global).
// The launcher records what it started (DATA_DIR/regions.json), so the CLI beside it finds the regions
// without REGIONS set.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isJurisdiction } from "../../shared/jurisdictions.ts";
import { BUCKET_NAME } from "./store/local-r2-gateway.ts";

export interface LocalRegion {
  name: string;
  dataDir: string;
  /** Its cores' API URLs (REGION_PEERS of the other regions, CORE_URLS of the edge). */
  apiUrls: string[];
  smtpPort: number;
  submissionPort: number;
  /** The gateway of its bucket in the edge's R2 emulator (the CLI's LOCAL_R2_URL), when local. */
  blobsUrl?: string;
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

/** How the local edge keeps each region's users apart, as a deployment does with one bucket per
 * region and Durable Objects in the region's jurisdiction (docs/deploy.md). The first region uses
 * wrangler.toml's BLOBS and the default namespace; every other one gets a bucket of its own
 * (`edgemail-blobs-eu` bound as BLOBS_EU), which its cores and the edge both use; a region named after
 * a jurisdiction (eu, us, fedramp…) has its users' hubs in that jurisdiction's namespace. */
export interface LocalResidency {
  /** Region → the bucket its cores and the edge use. */
  bucketOf: Record<string, string>;
  /** The edge's R2 bindings beyond BLOBS: binding → bucket. */
  bindings: Record<string, string>;
  /** The edge's REGION_BUCKETS and REGION_JURISDICTIONS. */
  vars: Record<string, string>;
}

export function localResidency(regions: string[]): LocalResidency {
  const bucketOf: Record<string, string> = {};
  const bindings: Record<string, string> = {};
  const regionBuckets: Record<string, string> = {};
  const regionJurisdictions: Record<string, string> = {};
  for (const [i, region] of regions.entries()) {
    if (i === 0) {
      bucketOf[region] = BUCKET_NAME;
      continue;
    }
    const binding = `BLOBS_${region.toUpperCase().replace(/-/g, "_")}`;
    bucketOf[region] = `${BUCKET_NAME}-${region}`;
    bindings[binding] = bucketOf[region];
    regionBuckets[region] = binding;
    if (isJurisdiction(region)) regionJurisdictions[region] = region;
  }
  return { bucketOf, bindings, vars: { REGION_BUCKETS: JSON.stringify(regionBuckets), REGION_JURISDICTIONS: JSON.stringify(regionJurisdictions) } };
}
