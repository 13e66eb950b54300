// The vacation answer (RFC 5230): saved with the filters (PUT /filters keeps the rules as they are).
// The service answers each sender at most once per `days`, and never lists, bulk or automatic mail.
import { useSignal } from "@preact/signals";
import type { VacationSettings } from "../../../../shared/filters.ts";
import { currentRules, currentVacation, filters, isOwnScript, loadFilters, saveFilterSettings } from "./filters-store.ts";
import { Confirm, FieldError, fieldMessage, formMessage, invalid, LoadState, SaveStatus, useLoad, useSaver } from "./form.tsx";

export function VacationPage() {
  const loaded = useLoad(loadFilters);
  return (
    <div class="settings-page">
      <h2>Vacation answer</h2>
      <p class="hint">While you are away, people who write to you get this answer, each at most once in the days you choose. Mailing lists and automatic mail get none.</p>
      {loaded.data.value ? <VacationForm initial={currentVacation(loaded.data.value)} /> : <LoadState loaded={loaded} what="Your vacation answer" />}
    </div>
  );
}

function VacationForm({ initial }: { initial: VacationSettings | null }) {
  const enabled = useSignal(initial?.enabled ?? false);
  const subject = useSignal(initial?.subject ?? "");
  const body = useSignal(initial?.body ?? "");
  const days = useSignal(String(initial?.days ?? 7));
  const askReplace = useSignal(false);
  const saver = useSaver();
  const err = saver.error.value;
  const at = (name: string) => fieldMessage(err, `vacation.${name}`, true);
  const ownScript = isOwnScript(filters.value!);
  const touched = () => saver.reset();

  async function save() {
    askReplace.value = false;
    const f = filters.value!;
    // Off and never written: nothing to keep (the schema wants a text for an answer that exists).
    const vacation: VacationSettings | null =
      !enabled.value && body.value.trim() === "" ? null : { enabled: enabled.value, subject: subject.value.trim() || undefined, body: body.value, days: Number(days.value) };
    await saver.run(() => saveFilterSettings({ rules: currentRules(f), vacation }));
  }

  return (
    <form
      class="settings-group"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (ownScript) askReplace.value = true;
        else void save();
      }}
    >
      {ownScript && <p class="notice">Your filters are a Sieve script of your own (Filters → Sieve script); a vacation answer in it keeps working. Saving here replaces that script with this answer.</p>}
      <label class="choice">
        <input type="checkbox" checked={enabled.value} onChange={(e) => ((enabled.value = e.currentTarget.checked), touched())} />
        Send an automatic answer
      </label>
      <label for="vacation-subject">Subject (optional)</label>
      <input
        id="vacation-subject"
        type="text"
        maxLength={200}
        placeholder="Auto: and the subject of their message"
        value={subject.value}
        onInput={(e) => ((subject.value = e.currentTarget.value), touched())}
        {...invalid("vacation-subject", at("subject"))}
      />
      <FieldError id="vacation-subject" message={at("subject")} />
      <label for="vacation-body">Message</label>
      <textarea id="vacation-body" rows={8} maxLength={10_000} value={body.value} onInput={(e) => ((body.value = e.currentTarget.value), touched())} {...invalid("vacation-body", at("body"))} />
      <FieldError id="vacation-body" message={at("body")} />
      <label for="vacation-days">Answer the same person at most once every</label>
      <div class="inline-field">
        <input id="vacation-days" type="number" min={1} max={90} step={1} inputMode="numeric" value={days.value} onInput={(e) => ((days.value = e.currentTarget.value), touched())} {...invalid("vacation-days", at("days"))} />
        <span>days (1 to 90)</span>
      </div>
      <FieldError id="vacation-days" message={at("days")} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={saver.state.value === "saving"}>
          Save
        </button>
        <SaveStatus saver={saver} savedText={enabled.value ? "Saved. The answer is on." : "Saved. The answer is off."} message={formMessage(err, (f) => f.startsWith("vacation."))} />
      </div>
      {askReplace.value && (
        <Confirm title="Replace your Sieve script?" confirmLabel="Replace and save" danger onConfirm={() => void save()} onClose={() => (askReplace.value = false)}>
          <p>Your filters are a Sieve script you wrote. Saving the vacation answer here replaces that script; it is not kept.</p>
        </Confirm>
      )}
    </form>
  );
}
