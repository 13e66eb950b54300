// The pipeline: spool → prepare (parse; for outgoing mail also build, sign and route) → blobs →
// the mailbox service (which commits each shard's filings and publishes their events) and the delivery queue. It works in batches, because the costs that dominate are per
// operation, not per byte: one R2 object holds the raw bytes of a whole batch ("pack"; each message
// is a range of it), and each shard takes a whole batch in one transaction. A batch that fails (R2 or
// a shard unavailable) is retried with backoff; its messages stay in the spool until filed, so
// nothing acknowledged is dropped.
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
}

/** Longest stretch of preparing without letting the thread's I/O run. */
const YIELD_EVERY_MS = 5;

export class MailPipeline {
  readonly #o: PipelineOptions & { lingerMs: number; lingerFromMessages: number; batchMessages: number; batchBytes: number };
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

  async #run(): Promise<void> {
    let backoffMs = 250;
    while (!this.#stopping) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
        continue;
      }
      const { lingerMs, lingerFromMessages, batchMessages } = this.#o;
      if (lingerMs > 0 && this.#lastBatch >= lingerFromMessages && this.#queue.length < batchMessages && !this.#stopping) await sleep(lingerMs);
      const batch = this.#takeBatch();
      this.#lastBatch = batch.length;
      try {
        const done = await this.#process(batch);
        backoffMs = 250;
        const bytes = batch.reduce((n, e) => n + e.raw.length, 0);
        this.#o.onBatch({ done, processed: batch.length, bytes });
      } catch (err) {
        this.#o.log.error("pipeline: batch failed, will retry", { err, messages: batch.length, retryInMs: backoffMs });
        this.#queue.unshift(...batch);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
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

  /** Files a batch; returns the ids that may be marked done in the spool. */
  async #process(batch: MailEntry[]): Promise<string[]> {
    const { blobs, mailbox, queue, log } = this.#o;
    const t0 = performance.now();
    const prepared: Prepared[] = [];
    let ranSince = t0;
    for (const entry of batch) {
      prepared.push(entry.meta.kind === "inbound" ? await prepareInbound({ ...entry, meta: entry.meta }, this.#o) : await prepareOutbound({ ...entry, meta: entry.meta }, this.#o));
      // Preparing is CPU work whose awaits mostly resolve at once: let the thread's I/O in now and
      // then, or the event pushes of the last batch (their requests and answers) wait for the whole batch.
      if (performance.now() - ranSince > YIELD_EVERY_MS) {
        await new Promise(setImmediate);
        ranSince = performance.now();
      }
    }
    const t1 = performance.now();

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
    if (chunks.length > 0) await blobs.put(packKey, pack, "application/octet-stream");

    // Attachments by content address: the same bytes sent to many users are stored once.
    const unique = new Map<string, ParsedAttachment>();
    for (const p of prepared) for (const a of p.attachments) unique.set(a.sha256, a);
    // Their text for the search index is read meanwhile, here rather than in the shard's transaction.
    const [texts] = await Promise.all([
      attachmentTexts([...unique.values()]),
      ...[...unique.values()].map(async (a) => {
        const key = attachmentKey(a.sha256);
        if (!(await blobs.has(key))) await blobs.put(key, a.bytes, a.contentType);
      }),
    ]);
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
    const results = await Promise.all([...byShard].map(([name, filings]) => mailbox.file(name, filings)));
    for (const result of results) {
      for (const o of result.orphans) log.warn("pipeline: recipient's mailbox no longer exists; not filed", { userId: o.userId });
    }
    const deliveries = prepared.flatMap((p, i) =>
      p.deliveries.map(({ rawIndex, ...d }) => {
        const raw = located[i]![rawIndex]!;
        return { ...d, rawKey: raw.key, rawOffset: raw.offset, rawLength: raw.length };
      }),
    );
    await queue.enqueue(deliveries);
    if (deliveries.length > 0) this.#o.onQueued({ key: packKey, bytes: pack });
    for (const p of prepared) await p.after?.();
    const t3 = performance.now();
    log.debug("pipeline: batch filed", { messages: batch.length, prepareMs: Math.round(t1 - t0), blobsMs: Math.round(t2 - t1), shardsMs: Math.round(t3 - t2) });
    return batch.filter((_, i) => !prepared[i]!.keep).map((e) => e.id);
  }
}
