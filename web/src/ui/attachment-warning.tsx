// Asked before a dangerous attachment is saved: what it is, why it could harm, and Cancel as the
// default (focused first, and what Escape does).
import { useEffect, useRef } from "preact/hooks";
import type { Attachment } from "../../../shared/api.ts";
import { sentence } from "./message-banners.tsx";

interface Props {
  attachment: Attachment;
  onCancel: () => void;
  onConfirm: () => void;
}

export function AttachmentWarning({ attachment: a, onCancel, onConfirm }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="attachment-warning" aria-labelledby={`risk-title-${a.id}`} aria-describedby={`risk-detail-${a.id}`} onClose={onCancel}>
      <h2 id={`risk-title-${a.id}`}>Download {a.filename}?</h2>
      <p id={`risk-detail-${a.id}`}>
        This file could harm your computer. {a.risk ? sentence(a.risk.detail) : ""} Download it only if you expected it and trust the sender.
      </p>
      <div class="dialog-actions">
        <button type="button" autofocus onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          Download anyway
        </button>
      </div>
    </dialog>
  );
}
