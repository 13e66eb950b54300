// The draft's attachments: name, size, upload progress, and for a failed one what happened with Retry.
import { size } from "../ui/format.ts";
import { removeAttachment, retry } from "./attachments.ts";
import type { Draft } from "./draft.ts";

export function AttachmentList({ draft }: { draft: Draft }) {
  const items = draft.attachments.value;
  if (!items.length) return null;
  return (
    <ul class="compose-attachments" aria-label="Attachments">
      {items.map((a) => (
        <li key={a.key} class={a.error ? "failed" : a.id ? "done" : "uploading"}>
          <span class="att-name">{a.filename}</span>
          <span class="att-size">{size(a.size)}</span>
          {!a.id && !a.error && <progress max={1} value={a.progress} aria-label={`Uploading ${a.filename}`} />}
          {!a.id && !a.error && <span class="att-percent">{Math.round(a.progress * 100)}%</span>}
          {a.error && (
            <>
              <span class="att-error" role="alert">
                {a.error}
              </span>
              <button type="button" onClick={() => retry(draft, a.key)}>
                Retry
              </button>
            </>
          )}
          <button type="button" class="icon" aria-label={`Remove ${a.filename}`} onClick={() => removeAttachment(draft, a.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
