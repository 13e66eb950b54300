// A draft's attachments: files added by the button or dropped on the window, uploaded with progress;
// a failed one says why and can be retried or removed. A forward (or a draft from the Drafts folder)
// carries the original's files over by fetching them and uploading them again: an id from
// POST /attachments is what a send takes.
import { call, describeError } from "../api/client.ts";
import type { AttachmentItem, Draft } from "./draft.ts";
import { upload, UploadError } from "./upload.ts";

let nextKey = 1;
const uploads = new Map<string, AbortController>();

function update(draft: Draft, key: string, change: Partial<AttachmentItem>): void {
  draft.attachments.value = draft.attachments.value.map((a) => (a.key === key ? { ...a, ...change } : a));
}

async function send(draft: Draft, item: AttachmentItem): Promise<void> {
  const abort = new AbortController();
  uploads.set(item.key, abort);
  update(draft, item.key, { progress: 0, error: undefined });
  try {
    const done = await upload(item.source!, item.filename, (p) => update(draft, item.key, { progress: p }), abort.signal);
    update(draft, item.key, { id: done.id, contentType: done.contentType, size: done.size, progress: 1, source: undefined });
  } catch (e) {
    if ((e as Error).name === "AbortError") return;
    update(draft, item.key, { error: e instanceof UploadError ? e.message : describeError(e) });
  } finally {
    uploads.delete(item.key);
  }
}

function add(draft: Draft, source: Blob, filename: string, contentType: string): void {
  const item: AttachmentItem = { key: `a${nextKey++}`, filename, contentType: contentType || "application/octet-stream", size: source.size, progress: 0, source };
  draft.attachments.value = [...draft.attachments.value, item];
  void send(draft, item);
}

export function addFiles(draft: Draft, files: Iterable<File>): void {
  for (const f of files) add(draft, f, f.name, f.type);
}

export function retry(draft: Draft, key: string): void {
  const item = draft.attachments.value.find((a) => a.key === key);
  if (item?.source) void send(draft, item);
  else if (item) update(draft, key, { error: `${item.filename} can no longer be uploaded from here: remove it and attach it again.` });
}

export function removeAttachment(draft: Draft, key: string): void {
  uploads.get(key)?.abort();
  draft.attachments.value = draft.attachments.value.filter((a) => a.key !== key);
}

/** Fetches the original's attachments and uploads them again for this draft. */
export async function carryOver(draft: Draft): Promise<void> {
  const carry = draft.carry;
  if (!carry) return;
  for (const a of carry.attachments) {
    const key = `a${nextKey++}`;
    draft.attachments.value = [...draft.attachments.value, { key, filename: a.filename, contentType: a.contentType, size: a.size, progress: 0 }];
    try {
      const blob = await (await call(`/messages/${carry.messageId}/attachments/${encodeURIComponent(a.id)}`)).blob();
      const source = new Blob([blob], { type: a.contentType });
      update(draft, key, { source });
      await send(draft, { ...draft.attachments.value.find((x) => x.key === key)!, source });
    } catch (e) {
      update(draft, key, { error: `${a.filename} could not be taken from the original: ${describeError(e)}` });
    }
  }
}

export const uploading = (draft: Draft) => draft.attachments.value.some((a) => !a.id && !a.error);
export const failed = (draft: Draft) => draft.attachments.value.filter((a) => a.error);
