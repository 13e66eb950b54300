// Rendezvous (highest-random-weight) hashing: each user goes to the shard with the highest
// hash(shard, user). Adding a shard moves only the users that now score highest on it (~1/N).
import { createHash } from "node:crypto";

function weight(shard: string, key: string): bigint {
  return createHash("sha256").update(shard).update("\u0000").update(key).digest().readBigUInt64BE(0);
}

export function rendezvousPick(shards: readonly string[], key: string): string {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const shard of shards) {
    const w = weight(shard, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && shard < best)) {
      best = shard;
      bestWeight = w;
    }
  }
  if (best === undefined) throw new Error("rendezvousPick needs at least one shard");
  return best;
}
