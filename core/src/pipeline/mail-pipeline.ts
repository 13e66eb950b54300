// The pipeline: spool → prepare (parse; for outgoing mail also build, sign and route) → blobs →
// the mailbox service (which commits each shard's filings and publishes their events) and the delivery queue. It works in batches, because the costs that dominate are per
// operation, not per byte: one R2 object holds the raw bytes of a whole batch ("pack"; each message
// is a range of it), and each shard takes a whole batch in one transaction. A batch that fails (R2 or
// a shard unavailable) is retried with backoff; its messages stay in the spool until filed, so
// nothing acknowledged is dropped.
// The pack is put while the shards commit, not before: no reader of a mailbox needs the raw bytes to
// show a new message (its summary, body text and attachments are in the shard and R2 before the
// commit), only later steps do (spam training, a DSN, delivery — which start after the put), so the
// user hears of the mail one R2 put sooner. A message counts as filed (done in the spool, queued for
// delivery) only once both ended; should the put fail or the core die first, the batch is filed
// again and the refiling points the rows it finds at the pack stored then (store/filing.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { uuidv7 } from "../../../shared/ids.ts";
import type { Logger } from "../log.ts";
import type { Filing } from "../store/filing.ts";
import type { MailboxService } from "../mailbox/service.ts";
import type { OutboundQueue } from "../store/outbound-queue.ts";
import type { Shards } from "../store/shards.ts";
import type { ParsedAttachment } from "../mail-format/parse.ts";
import { attachmentTexts, withAttachmentTexts } from "../search/attachment-text.ts";
import { prepareInbound, type InboundDeps } from "./prepare-inbound.ts";
import { prepareOutbound, type OutboundDeps } from "./prepare-outbound.ts";
import type { Prepared } from "./prepared.ts";
import { attachmentKey, type BlobStore } from "../store/blobs.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import type { MailEntry } from "../spool/entry.ts";

/** What a finished batch reports: `done` may be marked done in the spool; `processed` entries (done
 * or kept for the next start) and their `bytes` leave the backlog. */
export interface BatchReport {
  done: string[];
  processed: number;
  bytes: number;
}

export interface PipelineOptions extends Omit<OutboundDeps, "log">, Omit<InboundDeps, "log" | "shards" | "directory" | "hostname" | "queueLifetimeMs"> {
  onBatch: (report: BatchReport) => void;
  /** The blob store failed a batch (true), or took one again after failing (false): the doors defer
   * new mail meanwhile, as they do for a shard that is down. */
  onBlobStore?: (down: boolean) => void;
  /** Files each shard's part of a batch, and publishes its events once committed. */
  mailbox: Pick<MailboxService, "file" | "discardSentDraft">;
  /** Called when remote deliveries were queued, with the pack holding their raw bytes (the delivery
   * agent keeps it in memory rather than read each message back from R2). */
  onQueued: (pack: { key: string; bytes: Buffer }) => void;
  queue: OutboundQueue;
  shards: Shards;
  blobs: BlobStore;
  log: Logger;
  /** Upper bounds of one batch. */
  batchMessages?: number;
  batchBytes?: number;
  /** How long a batch may wait to fill up. Each batch costs an R2 write and a transaction per
   * shard whatever its size, so under load a short wait makes the pipeline much cheaper. */
  lingerMs?: number;
  /** The wait applies only while the last batch had at least this many messages: under a light
   * load the fixed costs are small beside the mail's latency (the client's event, the user's
   * inbox), and the wait would only add to it. Once batches fill, the wait comes back. */
  lingerFromMessages?: number;
  /** Batches between preparing and filing at once (their R2 puts overlap) while batches are smaller
   * than `lingerFromMessages`; 1 (or larger batches): one batch at a time, each taken only once the
   * one before is filed. One by default: against npm start's local R2 (an emulator in the edge's
   * workerd) overlapping puts slowed each other (2026-12-08: a batch's put 108–112 ms against 50)
   * and the event pushes beside them, so nothing was gained; against R2 over the network, where a
   * put waits on latency rather than on a busy emulator, more may pay. */
  stagedBatches?: number;
}

/** A batch prepared: `batch` the entries prepared (in `prepared`'s order), `unprepared` those whose store is down. */
interface Prepping {
  batch: MailEntry[];
  prepared: Prepared[];
  unprepared: MailEntry[];
  /** When preparing began (performance.now()), and timings for the debug log. */
  started: number;
  waitMs: number;
  prepareMs: number;
}

/** A batch prepared and its attachments put, ready for the shards; its pack is on its way to R2. */
interface Staged extends Prepping {
  located: { key: string; offset: number; length: number }[][];
  pack: Buffer;
  packKey: string;
  /** The pack's put (started with the batch's blobs, awaited after the shards); rejects with a StoreFailure. */
  packStored: Promise<void>;
  texts: Awaited<ReturnType<typeof attachmentTexts>>;
  blobsMs: number;
  /** Set once its shards committed, for the debug log. */
  shardsMs: number;
}

/** Why storing a batch's blobs failed, and whether the blob store was what failed. */
interface StoreFailure {
  cause: unknown;
  atBlobStore: boolean;
}

function isStoreFailure(err: unknown): err is StoreFailure {
  return typeof err === "object" && err !== null && "atBlobStore" in err && "cause" in err;
}

/** Messages prepared at once when the shards are libSQL servers. */
const REMOTE_PREPARE_WIDTH = 16;

/** Longest stretch of preparing without letting the thread's I/O run. */
const YIELD_EVERY_MS = 5;

export class MailPipeline {
  readonly #o: PipelineOptions & { lingerMs: number; lingerFromMessages: number; batchMessages: number; batchBytes: number; stagedBatches: number };
  #queue: MailEntry[] = [];
  #lastBatch = 0;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(options: PipelineOptions) {
    this.#o = {
      ...options,
      batchMessages: options.batchMessages ?? 500,
      batchBytes: options.batchBytes ?? 32 * 1024 * 1024,
      lingerMs: options.lingerMs ?? 25,
      lingerFromMessages: options.lingerFromMessages ?? 16,
      stagedBatches: Math.max(1, options.stagedBatches ?? 1),
    };
  }

  enqueue(entry: MailEntry): void {
    this.#queue.push(entry);
    this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Finishes the batch in hand; the rest stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  /** Whether the last batch failed at the blob store. */
  #blobsDown = false;

  #noteBlobStore(down: boolean): void {
    if (down === this.#blobsDown) return;
    this.#blobsDown = down;
    this.#o.onBlobStore?.(down);
  }

  /** The last pack put started (settled, never rejects). */
  #packPuts: Promise<unknown> = Promise.resolve();

  #backoffMs = 250;
  /** A failed batch's backoff: no batch is taken before it ends. */
  #backingOff: Promise<void> | null = null;

  /** Batches go through three stages: preparing (parse, spam, filters), putting their attachments,
   * and filing into the shards while their pack is put. The next batch is taken once one has
   * committed, though its pack may still be on its way: mail that comes in meanwhile does not wait
   * for that put before its own work starts (under a steady load most of a message's latency was
   * such waits: bench:realtime's "waitMs"). With PIPELINE_STAGED_BATCHES above 1, batches are also
   * prepared while earlier ones are filed, only under a light load: see the limit below. Batches
   * are filed one after the other, in the order they were taken. */
  async #run(): Promise<void> {
    // The shard stage, one batch after the other; and what follows each (its pack's put ending, the
    // delivery queue, the spool's done marks), one after the other too.
    let filing: Promise<void> = Promise.resolve();
    let finishing: Promise<void> = Promise.resolve();
    const uncommitted = new Set<Promise<void>>();
    const unfinished = new Set<Promise<void>>();
    const track = (p: Promise<void>, set: Set<Promise<void>>) => {
      set.add(p);
      void p.then(() => set.delete(p));
    };
    while (!this.#stopping) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      if (this.#backingOff) {
        await this.#backingOff;
        continue;
      }
      const { lingerMs, lingerFromMessages, batchMessages } = this.#o;
      if (lingerMs > 0 && this.#lastBatch >= lingerFromMessages && this.#queue.length < batchMessages && !this.#stopping) await sleep(lingerMs);
      const batch = this.#takeBatch();
      this.#lastBatch = batch.length;
      let prepping: Prepping;
      try {
        prepping = await this.#prepare(batch);
      } catch (err) {
        await this.#failed(batch, err, false);
        continue;
      }
      const stored = this.#store(prepping);
      // Handled when its turn to be filed comes; until then its failure is not unhandled.
      stored.catch(() => undefined);
      const before = finishing;
      const committed = filing.then(() => this.#file(batch, stored, before));
      filing = committed.then(() => undefined);
      finishing = committed.then(({ rest }) => rest);
      track(filing, uncommitted);
      track(finishing, unfinished);
      // Overlapping only while batches are small (light load, where latency is what it buys): under
      // load a batch waits for the one before to commit, so that what comes meanwhile makes one big
      // batch, as each batch costs an R2 write and a transaction per shard (bench:ingest, 2026-12-08:
      // always overlapping gave smaller batches, more CPU per message and a lower rate). A batch's
      // pack may still be on its way to R2 while the next is filed, but no more than one beyond the
      // batches being filed: bounded, as more would only hold more in memory (the spool's backlog,
      // which the MX bounds).
      const limit = batch.length >= lingerFromMessages ? 1 : this.#o.stagedBatches;
      while (uncommitted.size >= limit) await Promise.race(uncommitted);
      while (unfinished.size > limit) await Promise.race(unfinished);
    }
    await finishing;
  }

  /** A batch that failed goes back to the head of the queue, and the pipeline waits before going on. */
  async #failed(batch: MailEntry[], err: unknown, atBlobStore: boolean): Promise<void> {
    this.#o.log.error("pipeline: batch failed, will retry", { err, messages: batch.length, retryInMs: this.#backoffMs });
    if (atBlobStore) this.#noteBlobStore(true);
    this.#queue.unshift(...batch);
    const wait = sleep(this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000);
    this.#backingOff = wait;
    await wait;
    if (this.#backingOff === wait) this.#backingOff = null;
    this.#wake?.();
  }

  /** The shard stage of a batch once its blobs are stored: resolves once its shards committed (or
   * it failed and was queued again), with the rest of its filing (`rest`, after `before`: the batch
   * taken before it). Neither rejects. */
  async #file(batch: MailEntry[], stored: Promise<Staged>, before: Promise<void>): Promise<{ rest: Promise<void> }> {
    const none = { rest: Promise.resolve() };
    let staged: Staged;
    try {
      staged = await stored;
      this.#noteBlobStore(false);
    } catch (err) {
      const failure = err as StoreFailure;
      await this.#failed(batch, failure.cause, failure.atBlobStore);
      return none;
    }
    let held: Set<number>;
    const t2 = performance.now();
    try {
      held = await this.#commit(staged);
    } catch (err) {
      await this.#failed(batch, err, false);
      return none;
    }
    return { rest: before.then(() => this.#complete(batch, staged, held, t2)) };
  }

  /** After the shards: once the pack is in R2, the delivery queue, each message's after-step and the
   * spool's done marks, for the messages not held for a shard that is down. Never rejects. */
  async #complete(batch: MailEntry[], staged: Staged, held: Set<number>, t2: number): Promise<void> {
    const t3 = performance.now();
    try {
      await staged.packStored;
      // waitMs: how long the oldest message had been accepted when its batch began; queuedMs: how long
      // the batch, its blobs stored, waited for the one before it at the shards; packAfterMs: how long
      // it waited after its shards for its pack's put (and the batch before it).
      this.#o.log.debug("pipeline: batch filed", {
        messages: batch.length,
        waitMs: Math.round(staged.waitMs),
        prepareMs: Math.round(staged.prepareMs),
        blobsMs: Math.round(staged.blobsMs),
        queuedMs: Math.round(t2 - staged.started - staged.prepareMs - staged.blobsMs),
        shardsMs: Math.round(staged.shardsMs),
        packAfterMs: Math.round(performance.now() - t3),
      });
      const { prepared, unprepared } = staged;
      const done = await this.#finish(batch, prepared, staged.located, staged.pack, staged.packKey, held);
      const retry = [...unprepared, ...batch.filter((_, i) => held.has(i))];
      const finished = batch.filter((e) => !retry.includes(e));
      const bytes = finished.reduce((n, e) => n + e.raw.length, 0);
      this.#o.onBatch({ done, processed: finished.length, bytes });
      if (retry.length === 0) this.#backoffMs = 250;
      else {
        // Held for a shard that is down: back in the queue after the backoff, without holding up
        // the mail that comes meanwhile for the other shards.
        const wait = this.#backoffMs;
        this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000);
        setTimeout(() => {
          this.#queue.push(...retry);
          this.#wake?.();
        }, wait).unref();
      }
    } catch (err) {
      const failure = isStoreFailure(err) ? err : { cause: err, atBlobStore: false };
      await this.#failed(batch, failure.cause, failure.atBlobStore);
    }
  }

  #takeBatch(): MailEntry[] {
    let n = 0;
    let bytes = 0;
    while (n < this.#queue.length && n < this.#o.batchMessages && (n === 0 || bytes + this.#queue[n]!.raw.length <= this.#o.batchBytes)) {
      bytes += this.#queue[n]!.raw.length;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  /** Prepares a batch: what to file, queue and store for each message. */
  async #prepare(entries: MailEntry[]): Promise<Prepping> {
    const { log } = this.#o;
    const t0 = performance.now();
    const prepared: Prepared[] = [];
    // Preparing reads the recipients' shards (filters, spam training) and the directory: a message
    // whose store is down waits for it, the others go on.
    const batch: MailEntry[] = [];
    const unprepared: MailEntry[] = [];
    let unpreparedBy: unknown = null;
    let ranSince = t0;
    // On libSQL servers each read of a recipient's shard is a round trip: several messages are
    // prepared at once so that their waits overlap. On files the reads answer at once.
    const width = this.#o.shards.remote ? REMOTE_PREPARE_WIDTH : 1;
    for (let i = 0; i < entries.length; i += width) {
      const slice = entries.slice(i, i + width);
      const outcomes = await Promise.allSettled(
        slice.map((entry) => (entry.meta.kind === "inbound" ? prepareInbound({ ...entry, meta: entry.meta }, this.#o) : prepareOutbound({ ...entry, meta: entry.meta }, this.#o))),
      );
      outcomes.forEach((outcome, j) => {
        if (outcome.status === "fulfilled") {
          prepared.push(outcome.value);
          batch.push(slice[j]!);
        } else {
          if (!isStoreUnavailable(outcome.reason)) throw outcome.reason;
          unprepared.push(slice[j]!);
          unpreparedBy ??= outcome.reason;
        }
      });
      // Preparing is CPU work whose awaits mostly resolve at once: let the thread's I/O in now and
      // then, or the event pushes of the last batch (their requests and answers) wait for the whole batch.
      if (performance.now() - ranSince > YIELD_EVERY_MS) {
        await new Promise(setImmediate);
        ranSince = performance.now();
      }
    }
    const t1 = performance.now();
    if (batch.length === 0) throw unpreparedBy;
    if (unprepared.length > 0) log.warn("pipeline: a database is unavailable; messages for it wait in the spool", { held: unprepared.length, err: String(unpreparedBy) });
    return { batch, prepared, unprepared, started: t0, waitMs: Date.now() - (performance.now() - t0) - Math.min(...entries.map((e) => e.receivedAt)), prepareMs: t1 - t0 };
  }

  /** Puts a prepared batch's blobs; rejects with a StoreFailure. */
  async #store(prepping: Prepping): Promise<Staged> {
    const { blobs } = this.#o;
    const { prepared } = prepping;
    const t1 = performance.now();
    let blobFailed = false;
    const blob = async <T>(call: Promise<T>): Promise<T> => {
      try {
        return await call;
      } catch (err) {
        blobFailed = true;
        throw err;
      }
    };
    try {
      // One object for the raw bytes of the whole batch; each message records its range.
      const packKey = `raw/${new Date().toISOString().slice(0, 10)}/${uuidv7()}.pack`;
      const chunks: Buffer[] = [];
      let offset = 0;
      const located = prepared.map((p) =>
        p.raws.map((raw) => {
          chunks.push(raw);
          const range = { key: packKey, offset, length: raw.length };
          offset += raw.length;
          return range;
        }),
      );
      const pack = Buffer.concat(chunks);
      // One pack put at a time, after the one before it: against npm start's local R2 (an emulator in
      // the edge's workerd) puts side by side slowed each other and the event pushes beside them.
      const packStored = chunks.length > 0 ? this.#packPuts.then(() => blob(blobs.put(packKey, pack, "application/octet-stream"))).catch((err: unknown) => {
        throw { cause: err, atBlobStore: true } satisfies StoreFailure;
      }) : Promise.resolve();
      this.#packPuts = packStored.catch(() => undefined);
      // Awaited after the shards; until then its failure is not unhandled.
      packStored.catch(() => undefined);

      // Attachments by content address: the same bytes sent to many users are stored once.
      const unique = new Map<string, ParsedAttachment>();
      for (const p of prepared) for (const a of p.attachments) unique.set(a.sha256, a);
      // Their text for the search index is read meanwhile, here rather than in the shard's transaction.
      const [texts] = await Promise.all([
        attachmentTexts([...unique.values()]),
        ...[...unique.values()].map(async (a) => {
          const key = attachmentKey(a.sha256);
          if (!(await blob(blobs.has(key)))) await blob(blobs.put(key, a.bytes, a.contentType));
        }),
      ]);
      return { ...prepping, located, pack, packKey, packStored, texts, blobsMs: performance.now() - t1, shardsMs: 0 };
    } catch (err) {
      throw { cause: err, atBlobStore: blobFailed } satisfies StoreFailure;
    }
  }

  /** Files a staged batch into its shards; returns the messages held back for a shard that is down
   * (their indexes in the batch; to be tried again). Rejects when nothing could be filed. */
  async #commit(staged: Staged): Promise<Set<number>> {
    const { mailbox, log } = this.#o;
    const { batch, prepared, unprepared, located, texts } = staged;
    const t2 = performance.now();
    const byShard = new Map<string, Filing[]>();
    prepared.forEach((p, i) => {
      for (const { shard, rawIndex, ...filing } of p.filings) {
        const list = byShard.get(shard) ?? [];
        list.push(withAttachmentTexts({ ...filing, raw: located[i]![rawIndex]! }, texts));
        byShard.set(shard, list);
      }
    });
    // Each shard's events are published as soon as its transaction committed: should another shard
    // (or a later step) fail, the batch is retried, and a refiling records nothing a second time.
    // A shard that is down holds back only the messages with a copy for it: the rest of the batch
    // goes on, and those wait in the spool for the shard (README "Shards on sqld", failures).
    const settled = await Promise.allSettled([...byShard].map(async ([name, filings]) => ({ name, result: await mailbox.file(name, filings) })));
    const failedShards = new Set<string>();
    let failure: unknown = null;
    settled.forEach((s, i) => {
      if (s.status === "fulfilled") {
        for (const o of s.value.result.orphans) log.warn("pipeline: recipient's mailbox no longer exists; not filed", { userId: o.userId });
      } else {
        failedShards.add([...byShard.keys()][i]!);
        failure ??= s.reason;
      }
    });
    staged.shardsMs = performance.now() - t2;
    if (failedShards.size > 0) {
      if (!isStoreUnavailable(failure)) throw failure;
      const held = new Set(prepared.flatMap((p, i) => (p.filings.some((f) => failedShards.has(f.shard)) ? [i] : [])));
      if (held.size === batch.length && unprepared.length === 0) throw failure;
      log.warn("pipeline: a shard is unavailable; its messages wait in the spool", { shards: [...failedShards], held: held.size, err: String(failure) });
      return held;
    }
    return new Set();
  }

  /** After the shards: the delivery queue and each message's after-step, for the messages not held. */
  async #finish(batch: MailEntry[], prepared: Prepared[], located: { key: string; offset: number; length: number }[][], pack: Buffer, packKey: string, held: Set<number>): Promise<string[]> {
    const { queue } = this.#o;
    const deliveries = prepared.flatMap((p, i) =>
      held.has(i) ? [] :
      p.deliveries.map(({ rawIndex, ...d }) => {
        const raw = located[i]![rawIndex]!;
        return { ...d, rawKey: raw.key, rawOffset: raw.offset, rawLength: raw.length };
      }),
    );
    await queue.enqueue(deliveries);
    if (deliveries.length > 0) this.#o.onQueued({ key: packKey, bytes: pack });
    for (const [i, p] of prepared.entries()) if (!held.has(i)) await p.after?.();
    return batch.filter((_, i) => !held.has(i) && !prepared[i]!.keep).map((e) => e.id);
  }
}
