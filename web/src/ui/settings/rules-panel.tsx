// The list of filter rules: add, edit, switch off, reorder and remove, then save them all at once
// (PUT /filters, with the vacation answer as it is). Nothing reaches the server until Save, so a half
// written rule does no harm; the server's objections open the rule they concern, at the field.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { toast } from "../../state/toasts.ts";
import { currentRules, currentVacation, filters, isOwnScript, saveFilterSettings } from "./filters-store.ts";
import { Confirm, formMessage, SaveStatus, useSaver } from "./form.tsx";
import { describeRule, emptyDraft, fromDraft, toDraft, type RuleDraft } from "./rule-draft.ts";
import { RuleEditor } from "./rule-editor.tsx";

/** Indices of the rules the server's field errors name (`rules.3.actions.forwardTo` → 3). */
function rulesWithErrors(error: unknown): Set<number> {
  const errors = (error as { problem?: { errors?: { field: string }[] } } | null)?.problem?.errors ?? [];
  return new Set(errors.map((e) => /^rules\.(\d+)\b/.exec(e.field)?.[1]).filter((n) => n !== undefined).map(Number));
}

const focusSoon = (id: string) => setTimeout(() => document.getElementById(id)?.focus());

export function RulesPanel({ onShowSieve }: { onShowSieve: () => void }) {
  const f = filters.value!;
  const drafts = useSignal<RuleDraft[]>(currentRules(f).map(toDraft));
  const open = useSignal<ReadonlySet<number>>(new Set());
  const dirty = useSignal(false);
  const askReplace = useSignal(false);
  const saver = useSaver();

  // Saved elsewhere (the Sieve tab): show what is now stored, unless there are edits of our own.
  useEffect(() => {
    if (!dirty.value) {
      drafts.value = currentRules(f).map(toDraft);
      open.value = new Set();
    }
  }, [f]);

  const edit = (next: RuleDraft[]) => {
    drafts.value = next;
    dirty.value = true;
    saver.reset();
  };
  const toggle = (key: number, on?: boolean) => {
    const s = new Set(open.value);
    if (on ?? !s.has(key)) s.add(key);
    else s.delete(key);
    open.value = s;
  };
  const change = (key: number, patch: Partial<RuleDraft>) => edit(drafts.value.map((d) => (d.key === key ? { ...d, ...patch } : d)));
  const move = (i: number, by: -1 | 1) => {
    const list = [...drafts.value];
    const [d] = list.splice(i, 1);
    list.splice(i + by, 0, d!);
    edit(list);
    const to = i + by;
    focusSoon(`rule-${d!.key}-${to === 0 ? "down" : to === list.length - 1 ? "up" : by < 0 ? "up" : "down"}`);
  };
  const remove = (i: number) => {
    const before = drafts.value;
    const d = before[i]!;
    edit(before.filter((x) => x.key !== d.key));
    toast("Rule removed. Save to make it final.", {
      action: { label: "Undo", run: () => edit([...drafts.value.slice(0, i), d, ...drafts.value.slice(i)]) },
    });
    const next = drafts.value[Math.min(i, drafts.value.length - 1)];
    focusSoon(next ? `rule-${next.key}-edit` : "rules-add");
  };
  const add = () => {
    const d = emptyDraft();
    edit([...drafts.value, d]);
    toggle(d.key, true);
    focusSoon(`rule-${d.key}-name`);
  };

  async function save() {
    askReplace.value = false;
    const ok = await saver.run(() => saveFilterSettings({ rules: drafts.value.map(fromDraft), vacation: currentVacation(filters.value!) }));
    if (ok) dirty.value = false;
    else {
      // Open every rule the server objected to, so its message shows at the field.
      const bad = rulesWithErrors(saver.error.value);
      const s = new Set(open.value);
      drafts.value.forEach((d, i) => bad.has(i) && s.add(d.key));
      open.value = s;
    }
  }

  const err = saver.error.value;
  const bad = rulesWithErrors(err);
  const list = drafts.value;

  return (
    <div class="rules">
      {isOwnScript(f) && (
        <p class="notice">
          Your filters are a Sieve script of your own.{" "}
          <button type="button" class="link" onClick={onShowSieve}>
            See the script
          </button>
          . Saving rules here replaces it.
        </p>
      )}
      {list.length === 0 ? (
        <p class="empty-line">No rules yet. Add one to sort, label or forward mail as it arrives.</p>
      ) : (
        <ol class="rule-list">
          {list.map((d, i) => {
            const expanded = open.value.has(d.key);
            const title = d.name.trim() || `Rule ${i + 1}`;
            return (
              <li key={d.key} class={`rule${d.enabled ? "" : " rule-off"}${bad.has(i) ? " rule-bad" : ""}`}>
                <div class="rule-head">
                  <input type="checkbox" id={`rule-${d.key}-enabled`} checked={d.enabled} aria-label={`Use ${title}`} onChange={(e) => change(d.key, { enabled: e.currentTarget.checked })} />
                  <div class="rule-summary">
                    <strong>{title}</strong>
                    {!d.enabled && <span class="badge">off</span>}
                    <span class="rule-describe">{describeRule(d)}</span>
                    {bad.has(i) && !expanded && <span class="field-error">This rule has a problem: open it to see.</span>}
                  </div>
                  <div class="rule-buttons">
                    <button type="button" id={`rule-${d.key}-edit`} aria-expanded={expanded} aria-controls={`rule-${d.key}-form`} onClick={() => toggle(d.key)}>
                      {expanded ? "Close" : "Edit"}
                      <span class="visually-hidden"> {title}</span>
                    </button>
                    <button type="button" class="icon-button" id={`rule-${d.key}-up`} aria-label={`Move ${title} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                      ↑
                    </button>
                    <button type="button" class="icon-button" id={`rule-${d.key}-down`} aria-label={`Move ${title} down`} disabled={i === list.length - 1} onClick={() => move(i, 1)}>
                      ↓
                    </button>
                    <button type="button" aria-label={`Remove ${title}`} onClick={() => remove(i)}>
                      Remove
                    </button>
                  </div>
                </div>
                {expanded && (
                  <div id={`rule-${d.key}-form`}>
                    <RuleEditor draft={d} index={i} error={err} onChange={(patch) => change(d.key, patch)} />
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <div class="form-actions">
        <button type="button" id="rules-add" onClick={add}>
          Add a rule
        </button>
        <button type="button" class="primary" disabled={saver.state.value === "saving" || !dirty.value} onClick={() => (isOwnScript(filters.value!) ? (askReplace.value = true) : void save())}>
          Save filters
        </button>
        {dirty.value && saver.state.value !== "error" && <span class="unsaved">Unsaved changes</span>}
        <SaveStatus saver={saver} message={formMessage(err, (field) => /^rules\.\d+\./.test(field))} />
      </div>
      {askReplace.value && (
        <Confirm title="Replace your Sieve script?" confirmLabel="Replace and save" danger onConfirm={() => void save()} onClose={() => (askReplace.value = false)}>
          <p>Your filters are now a Sieve script you wrote. Saving these rules replaces that script; it is not kept.</p>
        </Confirm>
      )}
    </div>
  );
}
