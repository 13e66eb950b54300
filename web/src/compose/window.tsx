// A compose window: a non-modal dialog bottom right (full screen on a phone) that can be minimized,
// with recipients, subject, body, attachments (button or drag and drop), the draft's save state, and
// Send. Ctrl/Cmd+Enter sends; Escape minimizes after saving.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { api } from "../api/client.ts";
import { closeCompose, setMinimized, type ComposeWindow as Win } from "../state/compose.ts";
import { toast } from "../state/toasts.ts";
import { AttachmentList } from "./attachment-list.tsx";
import { addFiles, carryOver } from "./attachments.ts";
import { autosaveFor, dropAutosave, type SaveState } from "./autosave.ts";
import { draftFor, dropDraft, type Draft } from "./draft.ts";
import { Editor } from "./editor.tsx";
import { Recipients } from "./recipients.tsx";
import { sendDraft } from "./send.ts";

const TITLES = { new: "New message", reply: "Reply", replyAll: "Reply all", forward: "Forward" } as const;
const carried = new Set<string>();

function saveText(s: SaveState): string {
  switch (s.kind) {
    case "idle":
      return "";
    case "saving":
      return "Saving…";
    case "saved":
      return "Saved";
    case "offline":
      return "Not saved — offline, kept on this device";
    case "error":
      return `Not saved to Drafts: ${s.message} (kept on this device)`;
  }
}

export default function ComposeWindow({ window: win, index }: { window: Win; index: number }) {
  const draft = useMemo(() => draftFor(win), [win.id, win.restore]);
  const saver = useMemo(() => autosaveFor(draft), [draft]);
  const showCc = useSignal(draft.cc.value.length > 0 || draft.bcc.value.length > 0);
  const sending = useSignal(false);
  const dragging = useSignal(0);
  const region = useRef<HTMLElement>(null);
  const toInput = useRef<HTMLInputElement>(null);
  const body = useRef<HTMLElement>(null);
  const files = useRef<HTMLInputElement>(null);
  const title = TITLES[draft.mode];
  const errors = draft.fieldErrors.value;

  useEffect(() => {
    if (!carried.has(draft.id)) {
      carried.add(draft.id);
      void carryOver(draft);
    }
    // Focus goes where one starts writing: the body of a reply, the recipients of anything else.
    const target = draft.mode === "reply" || draft.mode === "replyAll" ? body.current : toInput.current;
    target?.focus();
    if (target instanceof HTMLTextAreaElement) target.setSelectionRange(0, 0);
    else if (target?.isContentEditable) {
      const range = document.createRange();
      range.setStart(target, 0);
      range.collapse(true);
      document.getSelection()?.removeAllRanges();
      document.getSelection()?.addRange(range);
    }
  }, []);

  const minimized = !!win.minimized;
  const minimize = async (to: boolean) => {
    setMinimized(win.id, to);
    // The fields are hidden: focus stays on the window's title bar rather than falling to the page.
    if (to) region.current?.querySelector<HTMLElement>(".compose-title-button")?.focus();
    if (to) await saver.flush();
  };

  const finish = () => {
    dropAutosave(draft.id);
    dropDraft(draft.id);
    closeCompose(draft.id);
  };

  const close = async () => {
    await saver.flush();
    if (draft.isEmpty() || saver.upToDate) draft.detach();
    else {
      draft.stop();
      toast("This draft could not be saved to Drafts yet. It is kept on this device and offered again when you come back.", { timeout: 10_000 });
    }
    finish();
  };

  const discard = async () => {
    saver.stop();
    draft.detach();
    finish();
    const saved = saver.state.value.kind !== "idle";
    if (saved) await api(`/messages/${draft.id}`, { method: "DELETE" }).catch(() => undefined);
    toast("Draft discarded.");
  };

  const send = async () => {
    if (sending.value) return;
    sending.value = true;
    draft.fieldErrors.value = {};
    const result = await sendDraft(
      draft,
      () => saver.stop(),
      () => saver.resume(),
    );
    sending.value = false;
    // Sent: the draft and its (stopped) autosave stay in memory for an Undo.
    if (result.ok) return;
    draft.fieldErrors.value = result.errors;
    if (result.errors.cc || result.errors.bcc) showCc.value = true;
    const first = ["to", "cc", "bcc"].find((f) => result.errors[f]);
    if (first) region.current?.querySelector<HTMLInputElement>(`#${CSS.escape(`${win.id}-${first}-input`)}`)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // The mail shortcuts (c, r, e …) are the list's, not the composer's.
    e.stopPropagation();
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    } else if (e.key === "Escape") {
      e.preventDefault();
      void minimize(true);
    }
  };

  const hasFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes("Files");
  const dropHandlers = {
    onDragEnter: (e: DragEvent) => hasFiles(e) && (e.preventDefault(), dragging.value++),
    onDragOver: (e: DragEvent) => hasFiles(e) && e.preventDefault(),
    onDragLeave: (e: DragEvent) => hasFiles(e) && dragging.value--,
    onDrop: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      dragging.value = 0;
      if (minimized) void minimize(false);
      addFiles(draft, e.dataTransfer!.files);
    },
  };

  const shownTitle = draft.subject.value.trim() || title;
  return (
    <section
      ref={region}
      class={`compose-window${minimized ? " minimized" : ""}${dragging.value > 0 ? " dragging" : ""}`}
      role="dialog"
      aria-modal="false"
      aria-label={draft.subject.value.trim() ? `${title}: ${draft.subject.value.trim()}` : title}
      style={{ "--stack": index }}
      onKeyDown={onKeyDown}
      {...dropHandlers}
    >
      <header class="compose-head">
        <h2 class="compose-title">
          <button type="button" class="compose-title-button" aria-expanded={!minimized} aria-label={`${title}: ${shownTitle}${minimized ? " (minimized)" : ""}`} onClick={() => void minimize(!minimized)}>
            {shownTitle}
          </button>
        </h2>
        <button type="button" class="icon" aria-label={minimized ? "Restore" : "Minimize"} title={minimized ? "Restore" : "Minimize (Esc)"} onClick={() => void minimize(!minimized)}>
          {minimized ? "▴" : "▾"}
        </button>
        <button type="button" class="icon" aria-label="Save and close" title="Save and close" onClick={() => void close()}>
          ×
        </button>
      </header>
      <div class="compose-main" hidden={minimized}>
        <Recipients draft={draft} field="to" label="To" inputRef={toInput}>
          {!showCc.value && (
            <button type="button" class="link-button" onClick={() => (showCc.value = true)}>
              Cc Bcc
            </button>
          )}
        </Recipients>
        {showCc.value && <Recipients draft={draft} field="cc" label="Cc" />}
        {showCc.value && <Recipients draft={draft} field="bcc" label="Bcc" />}
        <div class={`compose-field${errors.subject ? " has-error" : ""}`}>
          <label for={`${win.id}-subject`} class="compose-label">
            Subject
          </label>
          <input
            id={`${win.id}-subject`}
            class="compose-subject"
            type="text"
            value={draft.subject.value}
            aria-invalid={errors.subject ? true : undefined}
            onInput={(e) => (draft.subject.value = e.currentTarget.value)}
          />
          {errors.subject && <p class="field-error">{errors.subject}</p>}
        </div>
        <Editor key={draft.format.value} draft={draft} bodyRef={body} />
        <AttachmentList draft={draft} />
        {errors.attachments && <p class="field-error" role="alert">{errors.attachments}</p>}
        {errors.general && (
          <p class="compose-error" role="alert">
            {errors.general}
          </p>
        )}
        <footer class="compose-foot">
          <button type="button" class="primary" onClick={() => void send()} disabled={sending.value} title="Send (Ctrl+Enter)">
            {sending.value ? "Sending…" : "Send"}
          </button>
          <input
            ref={files}
            id={`${win.id}-files`}
            type="file"
            multiple
            class="visually-hidden"
            tabIndex={-1}
            onChange={(e) => {
              addFiles(draft, e.currentTarget.files ?? []);
              e.currentTarget.value = "";
            }}
          />
          <button type="button" onClick={() => files.current?.click()}>
            Attach files
          </button>
          <FormatToggle draft={draft} />
          <span class="save-state" role="status" aria-live="polite">
            {saveText(saver.state.value)}
          </span>
          <button type="button" class="icon discard" aria-label="Discard draft" title="Discard draft" onClick={() => void discard()}>
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
              <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
            </svg>
          </button>
        </footer>
        {dragging.value > 0 && (
          <div class="drop-zone" aria-hidden="true">
            Drop files to attach them
          </div>
        )}
      </div>
    </section>
  );
}

function FormatToggle({ draft }: { draft: Draft }) {
  const rich = draft.format.value === "rich";
  return (
    <button type="button" role="switch" aria-checked={rich} title={rich ? "Switch to plain text (formatting is removed)" : "Switch to rich text"} onClick={() => draft.setFormat(rich ? "plain" : "rich")}>
      Rich text: {rich ? "on" : "off"}
    </button>
  );
}
