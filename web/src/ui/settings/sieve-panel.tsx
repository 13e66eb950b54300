// The Sieve script (RFC 5228), for people who bring their own from Dovecot or Fastmail: the active
// script in a textarea, saved with PUT /filters/sieve. A script that does not parse is refused with
// its line and column, shown beside the editor with a way to jump there.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { filters, saveSieve } from "./filters-store.ts";
import { Confirm, fieldMessage, formMessage, invalid, SaveStatus, useSaver } from "./form.tsx";

/** Where in the text a line and column (both from 1) are. */
function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i]!.length + 1;
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

export function SievePanel() {
  const f = filters.value!;
  const text = useSignal(f.script ?? "");
  const dirty = useSignal(false);
  const askReplace = useSignal(false);
  const saver = useSaver();
  const area = useRef<HTMLTextAreaElement>(null);

  // Saved from the Rules tab: show the script they compiled to, unless there are edits here.
  useEffect(() => {
    if (!dirty.value) text.value = f.script ?? "";
  }, [f]);

  const fromRules = f.settings !== null && (f.settings.rules.length > 0 || f.settings.vacation !== null);

  async function save() {
    askReplace.value = false;
    if (await saver.run(() => saveSieve(text.value))) dirty.value = false;
  }

  const err = saver.error.value;
  const scriptError = fieldMessage(err, "script");
  const where = scriptError && /line (\d+), column (\d+)/.exec(scriptError);
  const goTo = () => {
    const el = area.current;
    if (!el || !where) return;
    const at = offsetOf(text.value, Number(where[1]), Number(where[2]));
    el.focus();
    el.setSelectionRange(at, Math.min(text.value.length, at + 1));
    // Bring the line into view: the caret alone does not scroll a textarea in every browser.
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
    el.scrollTop = Math.max(0, (Number(where[1]) - 3) * lineHeight);
  };

  return (
    <div class="sieve">
      {fromRules && <p class="notice">This script was made from your rules. Saving a script of your own here replaces the rules and the vacation answer.</p>}
      <label for="sieve-script">Sieve script</label>
      <p class="hint" id="sieve-hint">
        Supported: fileinto, imap4flags, copy, envelope, body, vacation and redirect (forwarding). Mail keeps arriving in your inbox if a script fails.
      </p>
      <div class={`sieve-editor${scriptError ? " has-error" : ""}`}>
        <textarea
          id="sieve-script"
          ref={area}
          rows={18}
          spellcheck={false}
          autocomplete="off"
          autocapitalize="off"
          value={text.value}
          placeholder={'require ["fileinto"];\nif header :contains "subject" "invoice" {\n  fileinto "Receipts";\n}'}
          onInput={(e) => {
            text.value = e.currentTarget.value;
            dirty.value = true;
            saver.reset();
          }}
          {...(scriptError ? invalid("sieve-script", scriptError) : { "aria-describedby": "sieve-hint" })}
        />
        {scriptError && (
          <div class="field-error sieve-error" id="sieve-script-error" role="alert">
            <p>{where ? `Line ${where[1]}, column ${where[2]}: ${scriptError.slice(where[0].length).replace(/^:\s*/, "")}` : scriptError}</p>
            {where && (
              <button type="button" onClick={goTo}>
                Go to line {where[1]}
              </button>
            )}
            {(err as { status?: number }).status === 403 && <p class="hint">Adding a forward needs a session signed in with your password. Sign in again and retry.</p>}
          </div>
        )}
      </div>
      <div class="form-actions">
        <button type="button" class="primary" disabled={saver.state.value === "saving" || !dirty.value || text.value.trim() === ""} onClick={() => (fromRules ? (askReplace.value = true) : void save())}>
          Save script
        </button>
        {dirty.value && saver.state.value !== "error" && <span class="unsaved">Unsaved changes</span>}
        <SaveStatus saver={saver} message={scriptError ? "Not saved: the script has a problem (see above)." : formMessage(err, (field) => field === "script")} />
      </div>
      {askReplace.value && (
        <Confirm title="Replace your rules?" confirmLabel="Replace and save" danger onConfirm={() => void save()} onClose={() => (askReplace.value = false)}>
          <p>Your filters are now rules made on the Rules tab (and the vacation answer). Saving this script replaces them; the Rules tab will be empty until you save rules again.</p>
        </Confirm>
      )}
    </div>
  );
}
