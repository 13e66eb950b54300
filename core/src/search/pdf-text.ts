// The text of a PDF attachment, read by PDF.js (through unpdf, which needs no native code) in a
// thread of its own with a time limit: the pipeline waits at most PDF_TIMEOUT_MS for one PDF, then
// ends the thread (a parser stuck on a crafted file cannot be interrupted any other way) and files
// the message without that text. Requests run one at a time, in order.
import { Worker } from "node:worker_threads";
import type { PdfAnswer, PdfRequest } from "./pdf-text-worker.ts";

export const PDF_TIMEOUT_MS = 5_000;
export const PDF_MAX_BYTES = 20 * 1024 * 1024;
export const PDF_MAX_PAGES = 200;

export class PdfText {
  #worker: Worker | null = null;
  #next = 1;
  #pending = new Map<number, { worker: Worker; resolve: (answer: PdfAnswer | null) => void }>();
  #queue: Promise<unknown> = Promise.resolve();
  #start(): Worker {
    const worker = new Worker(new URL("./pdf-text-worker.ts", import.meta.url));
    // An idle reader does not keep the process alive.
    worker.unref();
    worker.on("message", (answer: PdfAnswer) => {
      this.#pending.get(answer.id)?.resolve(answer);
      this.#pending.delete(answer.id);
    });
    // A thread that died answers nothing more: its requests get no text.
    const fail = () => {
      if (this.#worker === worker) this.#worker = null;
      for (const [id, p] of this.#pending) {
        if (p.worker !== worker) continue;
        p.resolve(null);
        this.#pending.delete(id);
      }
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return worker;
  }

  /** The PDF's text (its first pages, at most `maxChars`), or null when it cannot be read in time. */
  extract(bytes: Uint8Array, maxChars: number, timeoutMs = PDF_TIMEOUT_MS): Promise<string | null> {
    const run = this.#queue.then(() => this.#extract(bytes, maxChars, timeoutMs));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #extract(bytes: Uint8Array, maxChars: number, timeoutMs: number): Promise<string | null> {
    if (bytes.length > PDF_MAX_BYTES) return null;
    const worker = (this.#worker ??= this.#start());
    const id = this.#next++;
    let timer: NodeJS.Timeout | undefined;
    const answer = await new Promise<PdfAnswer | null>((resolve) => {
      this.#pending.set(id, { worker, resolve });
      timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(null);
        if (this.#worker === worker) this.#worker = null;
        void worker.terminate();
      }, timeoutMs);
      // A copy: the caller's bytes (still to be stored) must not be transferred away.
      worker.postMessage({ id, bytes: bytes.slice(), maxPages: PDF_MAX_PAGES, maxChars } satisfies PdfRequest);
    });
    clearTimeout(timer);
    return answer && "text" in answer ? answer.text : null;
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = null;
  }
}
