// Where the local R2 emulator (Miniflare, under `npm start`'s state folder) keeps a bucket: for tests
// that scan a region's stores byte for byte.
import { createHash, createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";

/** A local R2 bucket's files in Miniflare's state folder: its objects' folder and its SQLite index,
 * named by the id workerd gives the bucket's Durable Object (idFromName(bucket) in the namespace
 * miniflare-R2BucketObject: HMAC-SHA256 keyed by the namespace key's SHA-256, then a MAC of that). */
export function bucketFiles(stateDir: string, bucket: string): string[] {
  const key = createHash("sha256").update("miniflare-R2BucketObject").digest();
  const first = createHmac("sha256", key).update(bucket).digest().subarray(0, 16);
  const id = Buffer.concat([first, createHmac("sha256", key).update(first).digest().subarray(0, 16)]).toString("hex");
  const index = path.join(stateDir, "r2", "miniflare-R2BucketObject", `${id}.sqlite`);
  return [path.join(stateDir, "r2", bucket), index].filter((f) => existsSync(f));
}
