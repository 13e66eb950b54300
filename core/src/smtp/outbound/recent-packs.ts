// The packs (the raw bytes of a batch, one R2 object) the pipeline wrote most recently, kept in memory
// for the delivery agent: mail is nearly always sent within moments of being queued, and reading it
// back from R2 per message (an HTTP request to the store, a copy) cost more than the SMTP transaction.
// Bounded by bytes, oldest dropped first; a miss (older mail, a restart) reads from R2 as before.
export class RecentPacks {
  readonly #packs = new Map<string, Buffer>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes = 64 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  remember(key: string, bytes: Buffer): void {
    if (bytes.length > this.#maxBytes || this.#packs.has(key)) return;
    this.#packs.set(key, bytes);
    this.#bytes += bytes.length;
    for (const [oldest, b] of this.#packs) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#packs.delete(oldest);
      this.#bytes -= b.length;
    }
  }

  /** The range of a remembered pack, or null when it is not (or no longer) in memory. */
  get(key: string, offset: number, length: number): Buffer | null {
    const pack = this.#packs.get(key);
    return pack && offset + length <= pack.length ? pack.subarray(offset, offset + length) : null;
  }
}
