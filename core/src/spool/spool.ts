// The durable spool, as an MTA keeps one: every accepted message is appended to a segment file and
// fdatasync'ed before the SMTP 250 goes out. Appends that arrive while a sync is running wait for
// the next one and share it (group commit), so 20 sessions cost about one sync, not 20.
// When the pipeline has filed a message it writes a "done" record; a segment whose messages are all
// done is deleted, oldest first. On start, every message without a done record is handed back.
import { mkdirSync } from "node:fs";
import { open, readdir, readFile, rename, truncate, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { log as rootLog, type Logger } from "../log.ts";
import { decodeAt, encodeDone, encodeMessage } from "./record.ts";

export interface SpoolEntry<M> {
  id: string;
  receivedAt: number;
  meta: M;
  raw: Buffer;
}

interface Pending {
  /** The record's bytes, in pieces (a message's raw bytes are one, not copied). */
  bufs: Uint8Array[];
  /** Set for message records: the segment that holds it starts counting it as outstanding. */
  id?: string;
  resolve(): void;
  reject(err: unknown): void;
}

interface Segment {
  seq: number;
  outstanding: number;
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/;
const segmentName = (seq: number) => `seg-${String(seq).padStart(12, "0")}.log`;

export interface SpoolOptions {
  /** A segment is closed and a new one started once it grows past this. */
  segmentBytes?: number;
  log?: Logger;
}

export class Spool<M> {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #log: Logger;
  /** Oldest first; the last one is the active segment being appended to. */
  readonly #segments: Segment[] = [];
  readonly #segmentOf = new Map<string, Segment>();
  #active!: { seq: number; fh: FileHandle; size: number };
  #queue: Pending[] = [];
  /** Done records waiting to be written; they never cause a sync of their own. */
  #done: Buffer[] = [];
  #flushing: Promise<void> | null = null;
  #rotateBeforeNextWrite = false;
  #closed = false;
  #syncs = 0;

  private constructor(dir: string, options: SpoolOptions) {
    this.#dir = dir;
    this.#segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.#log = options.log ?? rootLog.child({ part: "spool" });
  }

  /** Opens the spool in `dir` and returns the messages that were accepted but never filed. */
  static async open<M>(dir: string, options: SpoolOptions = {}): Promise<{ spool: Spool<M>; recovered: SpoolEntry<M>[] }> {
    mkdirSync(dir, { recursive: true });
    const spool = new Spool<M>(dir, options);
    const recovered = await spool.#recover();
    await spool.#openSegment(spool.#segments.at(-1) ? spool.#segments.at(-1)!.seq + 1 : 1);
    spool.#collect();
    return { spool, recovered };
  }

  async #recover(): Promise<SpoolEntry<M>[]> {
    const files = (await readdir(this.#dir)).filter((f) => SEGMENT_RE.test(f)).sort();
    const pending = new Map<string, SpoolEntry<M> & { segment: Segment }>();
    for (const [index, file] of files.entries()) {
      const seq = Number(SEGMENT_RE.exec(file)![1]);
      const segment: Segment = { seq, outstanding: 0 };
      this.#segments.push(segment);
      const full = path.join(this.#dir, file);
      const buf = await readFile(full);
      let offset = 0;
      for (;;) {
        const result = decodeAt<M>(buf, offset);
        if (result.kind === "end") break;
        if (result.kind === "invalid") {
          const last = index === files.length - 1;
          if (last) {
            // A torn tail: the write never completed its sync, so no 250 was given for it.
            this.#log.warn("spool: dropping the incomplete tail of the last segment", { file, offset, reason: result.reason });
            await truncate(full, offset);
          } else {
            // Damage inside an older segment: keep the file for the operator, recover what came before.
            this.#log.error("spool: damaged segment, keeping it aside", { file, offset, reason: result.reason });
            await rename(full, `${full}.damaged`);
          }
          break;
        }
        const { record } = result;
        if (record.type === "message") {
          pending.set(record.id, { id: record.id, receivedAt: record.receivedAt, meta: record.meta, raw: record.raw, segment });
        } else {
          pending.delete(record.id);
        }
        offset = result.next;
      }
    }
    const recovered: SpoolEntry<M>[] = [];
    for (const entry of pending.values()) {
      entry.segment.outstanding++;
      this.#segmentOf.set(entry.id, entry.segment);
      recovered.push({ id: entry.id, receivedAt: entry.receivedAt, meta: entry.meta, raw: entry.raw });
    }
    if (recovered.length > 0) this.#log.info("spool: recovered messages that were accepted but not yet filed", { count: recovered.length });
    return recovered;
  }

  async #openSegment(seq: number): Promise<void> {
    const fh = await open(path.join(this.#dir, segmentName(seq)), "a");
    // The new file's directory entry must be durable too, or a crash could lose the whole segment.
    const dir = await open(this.#dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.#active = { seq, fh, size: (await fh.stat()).size };
    this.#segments.push({ seq, outstanding: 0 });
  }

  /** Resolves once the message is on disk (fdatasync'ed): only then may it be acknowledged. */
  append(entry: SpoolEntry<M>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("spool is closed"));
    const bufs = encodeMessage(entry.id, entry.receivedAt, entry.meta, entry.raw);
    return new Promise((resolve, reject) => {
      this.#queue.push({ bufs, id: entry.id, resolve, reject });
      this.#kick();
    });
  }

  /** Marks messages filed. The done records are written at once but never cost a sync (they reach
   * the disk with the next append's sync, or whenever the OS writes them back): if a crash loses
   * them, the messages are filed again on start, which filing ignores (ids are derived, inserts
   * idempotent). */
  complete(ids: readonly string[]): void {
    if (ids.length === 0 || this.#closed) return;
    this.#done.push(...ids.map(encodeDone));
    this.#kick();
    for (const id of ids) {
      const segment = this.#segmentOf.get(id);
      if (!segment) continue;
      this.#segmentOf.delete(id);
      segment.outstanding--;
    }
    this.#collect();
  }

  #kick(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = null;
      // Records that arrived after the loop's last look at the queues, but before this point,
      // found a flush "running" and did not start one.
      if (this.#queue.length > 0 || this.#done.length > 0) this.#kick();
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#done.length > 0) {
      const batch = this.#queue;
      const done = this.#done;
      this.#queue = [];
      this.#done = [];
      const bufs = [...done, ...batch.flatMap((p) => p.bufs)];
      const bytes = bufs.reduce((n, b) => n + b.length, 0);
      try {
        if (this.#rotateBeforeNextWrite || (this.#active.size > 0 && this.#active.size + bytes > this.#segmentBytes)) {
          await this.#rotate();
        }
        const t0 = performance.now();
        await this.#writeAll(bufs, bytes);
        if (batch.length === 0) continue; // only done records: no sync needed
        await this.#active.fh.datasync();
        this.#syncs++;
        this.#log.debug("spool: synced", { records: batch.length, bytes, ms: Math.round((performance.now() - t0) * 10) / 10 });
        const segment = this.#segments.at(-1)!;
        for (const p of batch) {
          if (p.id) {
            segment.outstanding++;
            this.#segmentOf.set(p.id, segment);
          }
          p.resolve();
        }
      } catch (err) {
        this.#log.error("spool: write failed; the messages in it are refused, not acknowledged", { err, bytes });
        for (const p of batch) p.reject(err);
      }
    }
  }

  async #writeAll(bufs: Uint8Array[], bytes: number): Promise<void> {
    const before = this.#active.size;
    try {
      let { bytesWritten } = await this.#active.fh.writev(bufs);
      if (bytesWritten < bytes) {
        // A short write (rare on regular files): finish from where it stopped. The file is in append mode.
        const all = Buffer.concat(bufs);
        while (bytesWritten < bytes) bytesWritten += (await this.#active.fh.write(all, bytesWritten)).bytesWritten;
      }
      this.#active.size += bytes;
    } catch (err) {
      // Cut off whatever part of the batch reached the file, and move to a fresh segment, so a
      // half-written record can never sit in front of later, acknowledged ones.
      await this.#active.fh.truncate(before).catch(() => undefined);
      this.#rotateBeforeNextWrite = true;
      throw err;
    }
  }

  async #rotate(): Promise<void> {
    this.#rotateBeforeNextWrite = false;
    const old = this.#active.fh;
    await this.#openSegment(this.#active.seq + 1);
    await old.close();
    this.#collect();
  }

  /** Deletes fully-done segments, oldest first, never the active one. */
  #collect(): void {
    while (this.#segments.length > 1 && this.#segments[0]!.outstanding === 0) {
      const segment = this.#segments.shift()!;
      unlink(path.join(this.#dir, segmentName(segment.seq))).catch((err: unknown) => {
        this.#log.warn("spool: could not delete a finished segment", { err, seq: segment.seq });
      });
    }
  }

  /** Messages accepted and not yet filed, and how many syncs were made (group commit shows as syncs ≪ messages). */
  stats(): { outstanding: number; segments: number; syncs: number } {
    return { outstanding: this.#segmentOf.size, segments: this.#segments.length, syncs: this.#syncs };
  }

  async close(): Promise<void> {
    // A flush still finishing may have missed the last done records: loop until both are written.
    while (this.#flushing || this.#queue.length > 0 || this.#done.length > 0) {
      if (!this.#flushing) this.#kick();
      await this.#flushing;
    }
    this.#closed = true;
    await this.#active.fh.close();
  }
}
