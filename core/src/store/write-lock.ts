// SQLite allows one writer. libsql's local calls are synchronous, so a second writer in this process
// would sit in SQLite's busy handler and block the event loop that the first writer needs to finish:
// a deadlock until the busy timeout. Every write to a shard in this process queues here instead.
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();
  /** When the last write through this lock ended (ms since the epoch; 0: none yet). Reads that may go to
   * a replica go to the primary for a moment after it, so a user sees their own change (search.ts). */
  lastWriteAt = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn).finally(() => {
      this.lastWriteAt = Date.now();
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
