// The body: a textarea for plain text, or a contenteditable for rich text with a small toolbar (bold,
// italic, underline, bulleted list, link). execCommand is old but is what every browser's editing
// (and its undo stack) is built on; what it makes is sanitized before it is saved or sent.
import { useSignal } from "@preact/signals";
import type { Ref } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Draft } from "./draft.ts";
import { sanitizeHtml } from "./html-text.ts";

interface Props {
  draft: Draft;
  bodyRef: Ref<HTMLElement>;
}

export function Editor({ draft, bodyRef }: Props) {
  return draft.format.value === "rich" ? <RichEditor draft={draft} bodyRef={bodyRef} /> : <PlainEditor draft={draft} bodyRef={bodyRef} />;
}

function PlainEditor({ draft, bodyRef }: Props) {
  return (
    <textarea
      ref={bodyRef as Ref<HTMLTextAreaElement>}
      class="compose-body"
      aria-label="Message body"
      value={draft.body.value}
      onInput={(e) => (draft.body.value = e.currentTarget.value)}
    />
  );
}

const TOOLS = [
  { command: "bold", label: "Bold", key: "b", glyph: <b>B</b> },
  { command: "italic", label: "Italic", key: "i", glyph: <i>I</i> },
  { command: "underline", label: "Underline", key: "u", glyph: <u>U</u> },
  { command: "insertUnorderedList", label: "Bulleted list", key: null, glyph: "•≡" },
] as const;

function RichEditor({ draft, bodyRef }: Props) {
  const editor = useRef<HTMLDivElement | null>(null);
  const states = useSignal<Record<string, boolean>>({});
  const linking = useSignal(false);
  const url = useSignal("");
  const saved = useRef<Range | null>(null);

  useEffect(() => {
    // The editor is uncontrolled: its HTML is set once, then read on every input.
    if (editor.current) editor.current.innerHTML = sanitizeHtml(draft.body.value);
    const onSelection = () => {
      if (!editor.current?.contains(document.getSelection()?.anchorNode ?? null)) return;
      states.value = Object.fromEntries(TOOLS.map((t) => [t.command, document.queryCommandState(t.command)]));
    };
    document.addEventListener("selectionchange", onSelection);
    return () => document.removeEventListener("selectionchange", onSelection);
  }, []);

  const changed = () => editor.current && (draft.body.value = editor.current.innerHTML);
  const run = (command: string, value?: string) => {
    editor.current?.focus();
    document.execCommand(command, false, value);
    changed();
  };

  const startLink = () => {
    const sel = document.getSelection();
    saved.current = sel && sel.rangeCount && editor.current?.contains(sel.anchorNode) ? sel.getRangeAt(0).cloneRange() : null;
    const existing = sel?.anchorNode?.parentElement?.closest("a");
    url.value = existing?.getAttribute("href") ?? "";
    linking.value = true;
  };
  const applyLink = (e: Event) => {
    e.preventDefault();
    let href = url.value.trim();
    linking.value = false;
    editor.current?.focus();
    const sel = document.getSelection();
    if (saved.current && sel) {
      sel.removeAllRanges();
      sel.addRange(saved.current);
    }
    if (!href) return run("unlink");
    if (!/^(https?:|mailto:)/i.test(href)) href = href.includes("@") && !href.includes("/") ? `mailto:${href}` : `https://${href}`;
    if (!sel || sel.isCollapsed) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = url.value.trim();
      run("insertHTML", a.outerHTML);
    } else run("createLink", href);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    if (e.key === "k") {
      e.preventDefault();
      startLink();
    }
  };

  // Pasted HTML (a web page, a word processor) keeps its structure but not its scripts, styles or images.
  const onPaste = (e: ClipboardEvent) => {
    const html = e.clipboardData?.getData("text/html");
    if (!html) return;
    e.preventDefault();
    run("insertHTML", sanitizeHtml(html));
  };

  return (
    <div class="rich">
      <div class="rich-toolbar" role="toolbar" aria-label="Formatting">
        {TOOLS.map((t) => (
          <button
            key={t.command}
            type="button"
            class="icon"
            aria-label={t.label}
            title={t.key ? `${t.label} (Ctrl+${t.key.toUpperCase()})` : t.label}
            aria-pressed={!!states.value[t.command]}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(t.command)}
          >
            {t.glyph}
          </button>
        ))}
        <button type="button" class="icon" aria-label="Link" title="Link (Ctrl+K)" aria-expanded={linking.value} onMouseDown={(e) => e.preventDefault()} onClick={startLink}>
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
          </svg>
        </button>
        {linking.value && (
          <form class="link-form" onSubmit={applyLink}>
            <label for={`${draft.id}-link`} class="visually-hidden">
              Link address
            </label>
            <input
              id={`${draft.id}-link`}
              type="text"
              inputMode="url"
              placeholder="https://… or an address"
              value={url.value}
              autoFocus
              onInput={(e) => (url.value = e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") {
                  e.stopPropagation();
                  linking.value = false;
                  editor.current?.focus();
                }
              }}
            />
            <button type="submit">Apply</button>
          </form>
        )}
      </div>
      <div
        ref={(el) => {
          editor.current = el;
          if (typeof bodyRef === "function") bodyRef(el);
          else if (bodyRef) bodyRef.current = el;
        }}
        class="compose-body rich-body"
        contentEditable
        role="textbox"
        aria-multiline="true"
        aria-label="Message body"
        onInput={changed}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
      />
    </div>
  );
}
