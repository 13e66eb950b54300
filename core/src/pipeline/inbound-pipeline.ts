// The inbound pipeline: spool → parse → blobs → shard. It works in batches, because the costs that
// dominate are per operation, not per byte: one R2 object holds the raw bytes of a whole batch
// ("pack"; each message is a range of it), and each shard takes a whole batch in one transaction.
// A batch that fails (R2 or a shard unavailable) is retried with backoff; its messages stay in the
// spool until filed, so nothing acknowledged is dropped.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { uuidv7, uuidv7From } from "../../../shared/ids.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "../store/blobs.ts";
import { fileMessages, type Filing } from "../store/filing.ts";
import type { Shards } from "../store/shards.ts";
import type { InboundEntry } from "./inbound-message.ts";
import { parseMail, type ParsedAttachment, type ParsedMail } from "./parse.ts";

/** What a finished batch reports: `done` may be marked done in the spool; `processed` entries (done
 * or kept for the next start) and their `bytes` leave the backlog. */
export interface BatchReport {
  done: string[];
  processed: number;
  bytes: number;
}

export interface PipelineOptions {
  onBatch: (report: BatchReport) => void;
  shards: Shards;
  blobs: BlobStore;
  log: Logger;
  /** Upper bounds of one batch. */
  batchMessages?: number;
  batchBytes?: number;
  /** How long a batch may wait to fill up. Each batch costs an R2 write and a transaction per
   * shard whatever its size, so under load a short wait makes the pipeline much cheaper. */
  lingerMs?: number;
}

/** The id a message gets in one recipient's mailbox: time-ordered by receipt, and the same every
 * time the same spool entry is filed for the same user. */
export function deliveryMessageId(entryId: string, receivedAt: number, userId: string): string {
  return uuidv7From(receivedAt, createHash("sha256").update(entryId).update("/").update(userId).digest());
}

export const attachmentKey = (sha256: string) => `att/sha256/${sha256}`;

export class InboundPipeline {
  readonly #o: Required<PipelineOptions>;
  #queue: InboundEntry[] = [];
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(options: PipelineOptions) {
    this.#o = { batchMessages: 500, batchBytes: 32 * 1024 * 1024, lingerMs: 25, ...options };
  }

  enqueue(entry: InboundEntry): void {
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
      if (this.#queue.length < this.#o.batchMessages && this.#o.lingerMs > 0 && !this.#stopping) await sleep(this.#o.lingerMs);
      const batch = this.#takeBatch();
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

  #takeBatch(): InboundEntry[] {
    let n = 0;
    let bytes = 0;
    while (n < this.#queue.length && n < this.#o.batchMessages && (n === 0 || bytes + this.#queue[n]!.raw.length <= this.#o.batchBytes)) {
      bytes += this.#queue[n]!.raw.length;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  /** Files a batch; returns the ids that may be marked done in the spool. */
  async #process(batch: InboundEntry[]): Promise<string[]> {
    const { blobs, shards, log } = this.#o;
    const t0 = performance.now();
    const parsed: ParsedMail[] = [];
    for (const entry of batch) parsed.push(await parseMail(entry.raw));
    const t1 = performance.now();

    // One object for the raw bytes of the whole batch; each message records its range.
    const packKey = `raw/${new Date().toISOString().slice(0, 10)}/${uuidv7()}.pack`;
    let offset = 0;
    const ranges = batch.map((e) => {
      const range = { key: packKey, offset, length: e.raw.length };
      offset += e.raw.length;
      return range;
    });
    await blobs.put(packKey, Buffer.concat(batch.map((e) => e.raw)), "application/octet-stream");

    // Attachments by content address: the same bytes sent to many users are stored once.
    const unique = new Map<string, ParsedAttachment>();
    for (const p of parsed) for (const a of p.attachments) unique.set(a.sha256, a);
    await Promise.all(
      [...unique.values()].map(async (a) => {
        const key = attachmentKey(a.sha256);
        if (!(await blobs.has(key))) await blobs.put(key, a.bytes, a.contentType);
      }),
    );

    const t2 = performance.now();
    const byShard = new Map<string, Filing[]>();
    const done: string[] = [];
    batch.forEach((entry, i) => {
      const mail = parsed[i]!;
      const recipients = [...new Map(entry.meta.recipients.map((r) => [r.userId, r])).values()];
      if (recipients.some((r) => !shards.names.includes(r.shard))) {
        // The shard map lost a shard that the directory still names: keep the message spooled
        // (retried at the next start) rather than drop it.
        log.error("pipeline: a recipient's shard is not in the shard map; message kept in the spool", {
          id: entry.id,
          shards: recipients.map((r) => r.shard),
        });
        return;
      }
      done.push(entry.id);
      if (mail.parseError) log.warn("pipeline: message filed unparsed", { id: entry.id, reason: mail.parseError });
      for (const r of recipients) {
        const list = byShard.get(r.shard) ?? [];
        list.push({
          userId: r.userId,
          messageId: deliveryMessageId(entry.id, entry.receivedAt, r.userId),
          folderRole: "inbox",
          receivedAt: entry.receivedAt,
          size: entry.raw.length,
          seen: false,
          from: mail.from,
          to: mail.to,
          cc: mail.cc,
          replyTo: mail.replyTo,
          subject: mail.subject,
          snippet: mail.snippet,
          sentAt: mail.sentAt,
          messageIdHeader: mail.messageIdHeader,
          inReplyTo: mail.inReplyTo,
          text: mail.text,
          html: mail.html,
          raw: ranges[i]!,
          attachments: mail.attachments.map((a, n) => ({
            attachmentId: String(n + 1),
            filename: a.filename,
            contentType: a.contentType,
            disposition: a.disposition,
            contentId: a.contentId,
            size: a.bytes.length,
            blobKey: attachmentKey(a.sha256),
          })),
        });
        byShard.set(r.shard, list);
      }
    });

    const results = await Promise.all([...byShard].map(([name, filings]) => fileMessages(shards.get(name), filings)));
    for (const result of results) {
      for (const o of result.orphans) log.warn("pipeline: recipient's mailbox no longer exists; not filed", { userId: o.userId });
    }
    const t3 = performance.now();
    log.debug("pipeline: batch filed", {
      messages: batch.length,
      parseMs: Math.round(t1 - t0),
      blobsMs: Math.round(t2 - t1),
      shardsMs: Math.round(t3 - t2),
    });
    return done;
  }
}
