// The users' Sieve scripts as the pipeline runs them: read from the shard at each delivery (so a
// saved filter applies to the very next message) and parsed once per version.
import { getFilters } from "../store/filters.ts";
import type { ShardDatabase } from "../store/shards.ts";
import { parseSieve } from "./sieve/parse.ts";
import { runSieve, type SieveMessage, type SieveOutcome } from "./sieve/interpret.ts";
import type { SieveScript } from "./sieve/script.ts";

export class UserScripts {
  readonly #parsed = new Map<string, { updatedAt: number; script: SieveScript | null }>();
  readonly #max: number;

  constructor(maxCached = 10_000) {
    this.#max = maxCached;
  }

  /** The outcome of the user's script for one message, or null when the user has none. */
  async run(shard: ShardDatabase, userId: string, msg: SieveMessage): Promise<SieveOutcome | null> {
    const stored = await getFilters(shard.db, userId);
    if (!stored) return null;
    let cached = this.#parsed.get(userId);
    if (!cached || cached.updatedAt !== stored.updatedAt) {
      let script: SieveScript | null = null;
      try {
        script = parseSieve(stored.script);
      } catch {
        // Scripts are checked when saved; one that no longer parses (a newer server wrote it) acts
        // as no filter rather than losing mail.
      }
      cached = { updatedAt: stored.updatedAt, script };
      if (this.#parsed.size >= this.#max) this.#parsed.delete(this.#parsed.keys().next().value!);
      this.#parsed.set(userId, cached);
    }
    return cached.script ? runSieve(cached.script, msg) : null;
  }
}
