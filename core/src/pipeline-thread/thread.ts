// The main thread's handle on the pipeline thread (./worker.ts): hands it spooled messages (the doors
// know it only as spool/handoff.ts's MailHandoff), marks finished ones done in the spool, and keeps
// the backlog figure the MX uses for back-pressure. It also hands the worker's event notifier the
// events of changes made on this thread (the internal API's).
import { Worker } from "node:worker_threads";
import type { CoreEvent } from "../../../shared/events.ts";
import type { Config } from "../config.ts";
import type { NotifierStats } from "../events/notifier.ts";
import type { Logger } from "../log.ts";
import type { MailEntry, SpoolMeta } from "../spool/entry.ts";
import type { MailHandoff } from "../spool/handoff.ts";
import type { Spool } from "../spool/spool.ts";
import { WORKER_RESOURCE_LIMITS } from "../heap-limits.ts";
import { pipelineThreadConfig } from "./config.ts";
import type { FromWorker, ToWorker, WorkerData } from "./messages.ts";

export class PipelineThread implements MailHandoff {
  readonly #worker: Worker;
  readonly #spool: Spool<SpoolMeta>;
  /** Spool entries handed over and not yet reported done (outbound entries use the message id). */
  readonly #pending = new Set<string>();
  #outstanding = 0;
  #backlogBytes = 0;
  #blobStoreDown = false;
  #filed = 0;
  #eventStats: NotifierStats = { pushed: 0, failures: 0, dropped: 0, backlog: 0 };
  #idleWaiters: (() => void)[] = [];
  /** Entries handed over in this turn, posted together (see enqueue). */
  #outgoing: MailEntry[] = [];
  #stopped: Promise<void> | null = null;

  private constructor(worker: Worker, spool: Spool<SpoolMeta>) {
    this.#worker = worker;
    this.#spool = spool;
  }

  /** Starts the worker (./worker.ts) with its slice of the config; resolves once it is ready. */
  static async start(config: Config, { spool, log }: { spool: Spool<SpoolMeta>; log: Logger }): Promise<PipelineThread> {
    const workerData: WorkerData = { config: pipelineThreadConfig(config) };
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData, resourceLimits: WORKER_RESOURCE_LIMITS });
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", function ready(m: FromWorker) {
        if (m.type === "ready") {
          worker.off("message", ready);
          worker.off("error", reject);
          resolve();
        }
      });
    });
    const thread = new PipelineThread(worker, spool);
    worker.on("message", (m: FromWorker) => thread.#onMessage(m));
    // A pipeline that dies takes the process with it: everything it had not finished is still in the
    // spool, and a restart files it (the way an MTA's supervisor restarts a crashed delivery agent).
    worker.on("error", (err) => {
      log.error("pipeline thread failed; exiting so that a restart recovers from the spool", { err });
      process.exit(70);
    });
    return thread;
  }

  #onMessage(m: FromWorker): void {
    if (m.type === "event-stats") {
      const { type: _, ...stats } = m;
      this.#eventStats = stats;
      return;
    }
    if (m.type === "blob-store") {
      this.#blobStoreDown = m.down;
      return;
    }
    if (m.type !== "batch") return;
    this.#spool.complete(m.done);
    for (const id of m.done) this.#pending.delete(id);
    this.#filed += m.done.length;
    this.#outstanding -= m.processed;
    this.#backlogBytes -= m.bytes;
    if (this.#outstanding === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Entries of one turn go over in one message: a spool sync hands over a whole group at once, and
   * each message costs both threads a wake-up and an event-loop turn of the worker's. Takes
   * `entry.raw` (see #postEntries): the caller does not read it after. */
  enqueue(entry: MailEntry): void {
    this.#pending.add(entry.id);
    this.#outstanding++;
    this.#backlogBytes += entry.raw.length;
    if (this.#outgoing.push(entry) === 1) queueMicrotask(() => this.#postEntries());
  }

  /** A message's bytes that fill an ArrayBuffer of their own (any but the smallest: Node's pool holds
   * those under 4 KiB) move to the worker rather than being copied: the doors build each entry's raw
   * bytes for the handoff and do not read them after, and a copy is memory both threads hold until
   * their next collection (README "Memory of a core"). */
  #postEntries(): void {
    if (this.#outgoing.length === 0) return;
    const entries = this.#outgoing.splice(0);
    const owned = entries.map((e) => e.raw.buffer).filter((b, i) => b instanceof ArrayBuffer && entries[i]!.raw.byteOffset === 0 && entries[i]!.raw.byteLength === b.byteLength);
    this.#worker.postMessage({ type: "enqueue", entries } satisfies ToWorker, [...new Set(owned)] as ArrayBuffer[]);
  }

  /** Committed events of a change made on this thread, for the notifier. */
  publishEvents(events: CoreEvent[]): void {
    if (events.length > 0) this.#worker.postMessage({ type: "events", events } satisfies ToWorker);
  }

  /** The notifier's figures (zero while it is off). */
  get eventStats(): NotifierStats {
    return this.#eventStats;
  }

  /** Whether a spool entry (for outbound mail: the message id) is accepted and not yet done. */
  isPending(id: string): boolean {
    return this.#pending.has(id);
  }

  /** The blob store failed the pipeline's last batch: the doors defer new mail until it takes one again. */
  get blobStoreDown(): boolean {
    return this.#blobStoreDown;
  }

  get backlogBytes(): number {
    return this.#backlogBytes;
  }

  get stats(): { queued: number; filed: number } {
    return { queued: this.#outstanding, filed: this.#filed };
  }

  /** Resolves when everything enqueued so far is processed. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Finishes the batch in hand; the rest stays in the spool for the next start. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#worker.on("message", (m: FromWorker) => {
        if (m.type === "stopped") resolve();
      });
      this.#worker.once("exit", () => resolve());
      this.#postEntries();
      this.#worker.postMessage({ type: "stop" } satisfies ToWorker);
    });
    return this.#stopped;
  }
}
