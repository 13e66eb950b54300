// What `npm start` leaves in its data folder for the operator's tools on the same machine: the local
// secrets (DATA_DIR/dev.vars, the .env form wrangler reads with --env-file) and the address of the
// edge it started (DATA_DIR/edge-url). The CLI falls back on these when EDGE_URL and
// INTERNAL_SIGNING_SECRET are not set, so `npm run cli -- apikey …` works next to `npm start`.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export function devVarsFile(dataDir: string): string {
  return path.join(dataDir, "dev.vars");
}

function readVars(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]),
  );
}

/** The local secrets, made once per data folder. */
export function devSecrets(dataDir: string): { file: string; vars: Record<string, string> } {
  const file = devVarsFile(dataDir);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const secret = () => randomBytes(32).toString("base64url");
    writeFileSync(file, `TOKEN_SECRET=${secret()}\nINTERNAL_SIGNING_SECRET=${secret()}\n`, { mode: 0o600 });
  }
  return { file, vars: readVars(file) };
}

export function recordLocalEdge(dataDir: string, url: string): void {
  writeFileSync(path.join(dataDir, "edge-url"), `${url}\n`);
}

/** The edge `npm start` runs for this data folder and the secret to sign calls to it, if any. */
export function localEdge(dataDir: string): { url: string; secret: string } | null {
  const urlFile = path.join(dataDir, "edge-url");
  const varsFile = devVarsFile(dataDir);
  if (!existsSync(urlFile) || !existsSync(varsFile)) return null;
  const secret = readVars(varsFile).INTERNAL_SIGNING_SECRET;
  const url = readFileSync(urlFile, "utf8").trim();
  return secret && url ? { url, secret } : null;
}

/** Where `SHARD_SERVER=sqld npm start` runs this data folder's databases (their ports are picked at
 * each start): `SHARD_SERVER=sqld npm run cli -- …` reads them from here. */
function localSqldFile(dataDir: string): string {
  return path.join(dataDir, "sqld", "servers.env");
}

export function recordLocalSqld(dataDir: string, env: Record<string, string>): void {
  writeFileSync(localSqldFile(dataDir), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(""));
}

export function localSqld(dataDir: string): Record<string, string> | null {
  const file = localSqldFile(dataDir);
  return existsSync(file) ? readVars(file) : null;
}
