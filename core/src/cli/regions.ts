// The CLI with several regions (REGIONS, or what `REGIONS=… npm start` recorded in DATA_DIR): each
// command works on one region's directory and shards — the user's home region, found in the global
// directory by the address the command names, or the one given with --region — and keeps the global
// directory's pointers in step (a user or alias added claims its address for its region everywhere).
import path from "node:path";
import type { Config } from "../config.ts";
import { loadConfig } from "../config.ts";
import { devSecrets, localEdge } from "../local-dev.ts";
import { localGlobalDirectoryUrl, localRegions, regionEnv } from "../local-regions.ts";
import { GlobalDirectory } from "../store/global-directory.ts";
import { RefusedError, UsageError } from "./errors.ts";

export interface CliRegions {
  names: string[];
  global: GlobalDirectory;
  /** A region's config for the CLI, as its cores have it. */
  configOf(region: string): Config;
  /** `--region`, else the home of `address` (if it has one), else the default (first) region. */
  pick(explicit: string | undefined, address?: string): Promise<string>;
}

export async function openCliRegions(config: Config, env: Record<string, string | undefined>): Promise<CliRegions | null> {
  const names = config.regions ?? localRegions(config.dataDir)?.map((r) => r.name) ?? null;
  if (!names) return null;
  const baseDir = config.dataDir;
  // The pointers are keyed with the secret the cores and the edge share.
  const secret = config.internalSigningSecret || localEdge(baseDir)?.secret || devSecrets(baseDir).vars.INTERNAL_SIGNING_SECRET;
  if (!secret) throw new RefusedError("INTERNAL_SIGNING_SECRET is not set: the global directory's address pointers are keyed with it");
  const edge = localEdge(baseDir);
  const global = await GlobalDirectory.open(config.global?.url ?? localGlobalDirectoryUrl(baseDir), secret, config.libsqlAuthToken, config.global?.replicaUrl);
  return {
    names,
    global,
    configOf(region) {
      // The region's bucket is in the running edge's R2 emulator (its gateway), not in the region's folder;
      // with the stack down, the first region's bucket is read from the edge's persistence directly.
      const blobsUrl = localRegions(baseDir)?.find((r) => r.name === region)?.blobsUrl;
      const bucket = blobsUrl
        ? { LOCAL_R2_URL: blobsUrl }
        : region === names[0] && !env.R2_PERSIST_DIR && !env.LOCAL_R2_URL
          ? { R2_PERSIST_DIR: path.join(baseDir, "edge", "v3") }
          : {};
      return loadConfig({ ...(edge ? { EDGE_URL: edge.url } : {}), ...bucket, ...env, ...regionEnv(baseDir, region), INTERNAL_SIGNING_SECRET: secret }, "cli");
    },
    async pick(explicit, address) {
      if (explicit !== undefined) {
        if (!names.includes(explicit)) throw new UsageError(`--region ${explicit} is not one of the regions (${names.join(", ")})`);
        return explicit;
      }
      const home = address ? await global.homeOf([address]) : null;
      return home?.region ?? names[0]!;
    },
  };
}
