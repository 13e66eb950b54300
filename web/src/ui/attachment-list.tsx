// A message's attachments: name, size, a letter for the type, Download (a warning first for the
// dangerous ones), thumbnails of images and, on demand, a preview of PDFs.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Attachment } from "../../../shared/api.ts";
import { describeError } from "../api/client.ts";
import { fetchAttachment, saveBlob } from "../mail/download.ts";
import { toastError } from "../state/toasts.ts";
import { AttachmentWarning } from "./attachment-warning.tsx";
import { size } from "./format.ts";

/** Thumbnails are fetched for images up to this size, and for this many images of a message. */
const MAX_THUMBNAIL_BYTES = 5 * 1024 * 1024;
const MAX_THUMBNAILS = 12;

const isImage = (a: Attachment) => /^image\/(?:png|jpeg|gif|webp|avif|bmp)$/i.test(a.contentType);
const isPdf = (a: Attachment) => a.contentType.toLowerCase() === "application/pdf";

/** A short badge for the file's kind: what a person recognizes at a glance. */
function kind(a: Attachment): string {
  const type = a.contentType.toLowerCase();
  if (type.startsWith("image/")) return "IMG";
  if (isPdf(a)) return "PDF";
  if (type.startsWith("audio/")) return "AUD";
  if (type.startsWith("video/")) return "VID";
  const ext = /\.([a-z0-9]{1,4})$/i.exec(a.filename)?.[1];
  return ext ? ext.toUpperCase() : "FILE";
}

interface Props {
  messageId: string;
  attachments: Attachment[];
}

export function AttachmentList({ messageId, attachments }: Props) {
  const preview = useSignal<{ name: string; url: string } | null>(null);
  useEffect(() => () => preview.peek() && URL.revokeObjectURL(preview.peek()!.url), []);
  let thumbnails = 0;

  async function openPreview(a: Attachment) {
    try {
      const blob = await fetchAttachment(messageId, a, { type: "application/pdf" });
      if (preview.value) URL.revokeObjectURL(preview.value.url);
      preview.value = { name: a.filename, url: URL.createObjectURL(blob) };
    } catch (e) {
      toastError(`${a.filename} could not be opened: ${describeError(e)}`);
    }
  }

  function closePreview() {
    if (preview.value) URL.revokeObjectURL(preview.value.url);
    preview.value = null;
  }

  return (
    <section class="attachments" aria-label={`${attachments.length} attachment${attachments.length === 1 ? "" : "s"}`}>
      <ul>
        {attachments.map((a) => (
          <AttachmentItem
            key={a.id}
            messageId={messageId}
            attachment={a}
            thumbnail={isImage(a) && a.size <= MAX_THUMBNAIL_BYTES && thumbnails++ < MAX_THUMBNAILS}
            onPreview={isPdf(a) && !a.risk ? () => void openPreview(a) : undefined}
          />
        ))}
      </ul>
      {preview.value && (
        <div class="attachment-preview">
          <div class="attachment-preview-bar">
            <span>{preview.value.name}</span>
            <button type="button" onClick={closePreview}>
              Close preview
            </button>
          </div>
          <iframe src={preview.value.url} title={`Preview of ${preview.value.name}`} />
        </div>
      )}
    </section>
  );
}

interface ItemProps {
  messageId: string;
  attachment: Attachment;
  thumbnail: boolean;
  onPreview?: () => void;
}

function AttachmentItem({ messageId, attachment: a, thumbnail, onPreview }: ItemProps) {
  const thumb = useSignal<string | null>(null);
  const progress = useSignal<number | null>(null);
  const warning = useSignal(false);

  useEffect(() => {
    if (!thumbnail) return;
    const controller = new AbortController();
    let url: string | null = null;
    fetchAttachment(messageId, a, { type: a.contentType, signal: controller.signal }).then(
      (blob) => (thumb.value = url = URL.createObjectURL(blob)),
      // No thumbnail is no loss: the badge stays, Download still works.
      () => {},
    );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [messageId, a.id, thumbnail]);

  async function download() {
    warning.value = false;
    progress.value = 0;
    try {
      saveBlob(await fetchAttachment(messageId, a, { onProgress: (p) => (progress.value = p) }), a.filename);
    } catch (e) {
      toastError(`${a.filename} could not be downloaded: ${describeError(e)}`);
    } finally {
      progress.value = null;
    }
  }

  const busy = progress.value !== null;
  return (
    <li class={`attachment${a.risk ? " attachment-risky" : ""}`}>
      {thumb.value ? <img class="attachment-thumb" src={thumb.value} alt="" /> : <span class="attachment-kind" aria-hidden="true">{kind(a)}</span>}
      <span class="attachment-name" title={a.filename}>
        {a.filename}
      </span>
      <span class="attachment-size">
        {size(a.size)}
        {a.risk && <span class="attachment-risk"> · could be dangerous</span>}
      </span>
      <span class="attachment-actions">
        {onPreview && (
          <button type="button" onClick={onPreview} aria-label={`Preview ${a.filename}`}>
            Preview
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => (a.risk ? (warning.value = true) : void download())} aria-label={`Download ${a.filename}`}>
          {busy ? `${Math.round(progress.value! * 100)}%` : "Download"}
        </button>
      </span>
      {busy && <progress class="attachment-progress" value={progress.value!} max={1} aria-label={`Downloading ${a.filename}`} />}
      {warning.value && <AttachmentWarning attachment={a} onCancel={() => (warning.value = false)} onConfirm={() => void download()} />}
    </li>
  );
}
