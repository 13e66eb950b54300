// Images of a mail, fetched by the app and handed to the frame as data: URLs, so that the frame
// never loads anything itself: inline parts (cid:) from the message's attachments, remote images
// through the edge (GET /remote-content), which fetches them for the reader — the remote host sees
// the edge, never the reader's address, and learns nothing until the reader asked.
import type { Message } from "../../../shared/api.ts";
import { call } from "../api/client.ts";
import { normalizeContentId } from "./content-id.ts";

/** An inline image larger than this stays an attachment: a mail body is not a photo album. */
const MAX_INLINE_BYTES = 10 * 1024 * 1024;
/** Remote images fetched for one message at most, and how many at a time. */
const MAX_REMOTE_IMAGES = 100;
const PARALLEL = 6;

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error("The image could not be read."));
    reader.readAsDataURL(blob);
  });
}

/** Bytes as a data: URL of an image type, or null when they are not an image. */
async function imageDataUrl(response: Response, declaredType?: string): Promise<string | null> {
  const type = (declaredType ?? response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!/^image\/[\w.+-]+$/.test(type)) return null;
  return readAsDataUrl(new Blob([await response.arrayBuffer()], { type }));
}

async function inParallel<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/** The inline parts the HTML names, as "cid:<id>" → data: URL. Parts that fail are left out. */
export async function loadInlineImages(message: Message, contentIds: string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const wanted = new Set(contentIds);
  const parts = message.attachments.filter((a) => a.contentId && wanted.has(normalizeContentId(a.contentId)) && a.size <= MAX_INLINE_BYTES);
  const images = new Map<string, string>();
  await inParallel(parts, async (a) => {
    try {
      const response = await call(`/messages/${message.id}/attachments/${encodeURIComponent(a.id)}`, { signal });
      const url = await imageDataUrl(response, a.contentType);
      if (url) images.set(`cid:${normalizeContentId(a.contentId!)}`, url);
    } catch (e) {
      if (signal?.aborted) throw e;
    }
  });
  return images;
}

export interface RemoteImages {
  images: Map<string, string>;
  /** URLs that could not be fetched or were not images. */
  failed: number;
}

/** Remote images through the edge, as URL → data: URL. */
export async function loadRemoteImages(urls: string[], signal?: AbortSignal): Promise<RemoteImages> {
  const images = new Map<string, string>();
  let failed = 0;
  await inParallel(urls.slice(0, MAX_REMOTE_IMAGES), async (url) => {
    try {
      const response = await call(`/remote-content?url=${encodeURIComponent(url)}`, { signal });
      const data = await imageDataUrl(response);
      if (data) images.set(url, data);
      else failed++;
    } catch (e) {
      if (signal?.aborted) throw e;
      failed++;
    }
  });
  return { images, failed: failed + Math.max(0, urls.length - MAX_REMOTE_IMAGES) };
}
