// The thread that reads PDFs for the search index (pdf-text.ts starts it). PDF.js runs here, not in
// the pipeline: a hostile PDF that makes the parser spin only costs this thread, which is ended when
// its time is up.
import { parentPort } from "node:worker_threads";
import { getDocumentProxy } from "unpdf";

export interface PdfRequest {
  id: number;
  bytes: Uint8Array;
  maxPages: number;
  maxChars: number;
}
export type PdfAnswer = { id: number; text: string } | { id: number; error: string };

async function extract({ bytes, maxPages, maxChars }: PdfRequest): Promise<string> {
  const pdf = await getDocumentProxy(bytes, { stopAtErrors: false });
  try {
    let text = "";
    for (let n = 1; n <= Math.min(pdf.numPages, maxPages) && text.length < maxChars; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) if ("str" in item) text += item.str + (item.hasEOL ? "\n" : " ");
      text += "\n";
      page.cleanup();
    }
    return text.slice(0, maxChars);
  } finally {
    await pdf.loadingTask.destroy();
  }
}

parentPort!.on("message", (request: PdfRequest) => {
  extract(request).then(
    (text) => parentPort!.postMessage({ id: request.id, text } satisfies PdfAnswer),
    (err: unknown) => parentPort!.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies PdfAnswer),
  );
});
