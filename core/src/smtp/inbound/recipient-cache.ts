// The MX looks every RCPT up in the directory: three queries (the domain, the users, the aliases), and
// a network round trip each once the directory is a libSQL server. Whom an address delivers to
// changes rarely, so a found user is kept for a few seconds, as Dovecot keeps passdb and userdb
// answers (auth_cache_ttl). Only found users are kept: an address created a moment ago must not be
// refused from a cached "unknown" (550 is permanent). A removed user is still refused at once,
// because the RCPT check reads the mailbox afresh (rcpt.ts); only an alias removed or pointed
// elsewhere may deliver to its old user for up to the TTL (SMTP_RECIPIENT_CACHE_SECONDS).
import type { Directory, Resolution } from "../../store/directory.ts";

type Found = Extract<Resolution, { kind: "user" }>;

export class RecipientCache {
  readonly #directory: Pick<Directory, "resolve">;
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #clock: () => number;
  /** Insertion order is expiry order (one TTL for all), so the oldest entries are the first to go. */
  readonly #found = new Map<string, { resolution: Found; until: number }>();

  constructor(directory: Pick<Directory, "resolve">, options: { ttlMs: number; capacity?: number; clock?: () => number }) {
    this.#directory = directory;
    this.#ttlMs = options.ttlMs;
    this.#capacity = options.capacity ?? 100_000;
    this.#clock = options.clock ?? Date.now;
  }

  async resolve(address: string): Promise<Resolution> {
    const key = address.toLowerCase();
    const now = this.#clock();
    const hit = this.#found.get(key);
    if (hit && hit.until > now) return hit.resolution;
    if (hit) this.#found.delete(key);
    const resolution = await this.#directory.resolve(address, { mayLag: true });
    if (resolution.kind === "user" && this.#ttlMs > 0) {
      this.#found.set(key, { resolution, until: now + this.#ttlMs });
      if (this.#found.size > this.#capacity) this.#found.delete(this.#found.keys().next().value!);
    }
    return resolution;
  }

  /** Drops what is known of `address` (the user it named is gone): the next lookup asks the directory. */
  forget(address: string): void {
    this.#found.delete(address.toLowerCase());
  }
}
