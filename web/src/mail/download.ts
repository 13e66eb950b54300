// Attachments fetched with the user's bearer token (a plain link could not carry it) and handed to
// the browser as a blob: saved under the attachment's name, or shown in a preview.
import type { Attachment } from "../../../shared/api.ts";
import { call } from "../api/client.ts";

export const attachmentPath = (messageId: string, a: Attachment) => `/messages/${messageId}/attachments/${encodeURIComponent(a.id)}`;

/** The attachment's bytes; `onProgress` gets the fraction done (0–1) when the size is known. */
export async function fetchAttachment(messageId: string, a: Attachment, options: { type?: string; onProgress?: (done: number) => void; signal?: AbortSignal } = {}): Promise<Blob> {
  const response = await call(attachmentPath(messageId, a), { signal: options.signal });
  const total = Number(response.headers.get("content-length")) || a.size;
  const chunks: BlobPart[] = [];
  if (response.body && options.onProgress && total > 0) {
    const reader = response.body.getReader();
    let received = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      received += r.value.byteLength;
      options.onProgress(Math.min(1, received / total));
    }
  } else {
    chunks.push(await response.arrayBuffer());
  }
  // The type is ours to choose: a download is never rendered, a preview only as what we expect.
  return new Blob(chunks, { type: options.type ?? "application/octet-stream" });
}

/** Saves a blob under `filename` through a temporary <a download>. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the time this runs; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
