// The form of one filter rule: when it applies (conditions) and what it does (actions), each field
// labelled and showing what the server said about it (`rules.N.conditions.from` …).
import type { InputHTMLAttributes } from "preact";
import { folders } from "../../state/folders.ts";
import { FieldError, fieldMessage, invalid } from "./form.tsx";
import type { RuleDraft, SizeUnit } from "./rule-draft.ts";

interface Props {
  draft: RuleDraft;
  /** Its place in the list when last saved, which the server's field names count by. */
  index: number;
  error: unknown;
  onChange: (patch: Partial<RuleDraft>) => void;
}

type TextKey = "name" | "from" | "to" | "subject" | "words" | "listId" | "moveTo" | "label" | "forwardTo";

export function RuleEditor({ draft, index, error, onChange }: Props) {
  const id = (field: string) => `rule-${draft.key}-${field}`;
  // Nested: a bad label is `actions.label.2`; the groups themselves ("give at least one action") exactly.
  const at = (path: string, nested = true) => fieldMessage(error, `rules.${index}.${path}`, nested);

  const text = (key: TextKey, label: string, path: string, extra: InputHTMLAttributes<HTMLInputElement> = {}, hint?: string) => {
    const message = at(path);
    return (
      <div class="field">
        <label for={id(key)}>{label}</label>
        <input
          id={id(key)}
          type="text"
          value={draft[key]}
          onInput={(e) => onChange({ [key]: e.currentTarget.value })}
          {...extra}
          {...(message ? invalid(id(key), message) : hint ? { "aria-describedby": `${id(key)}-hint` } : {})}
        />
        {message ? <FieldError id={id(key)} message={message} /> : hint && <p class="hint" id={`${id(key)}-hint`}>{hint}</p>}
      </div>
    );
  };

  const size = (which: "sizeOver" | "sizeUnder", label: string) => {
    const unitKey = which === "sizeOver" ? "sizeOverUnit" : "sizeUnderUnit";
    const message = at(`conditions.${which}`);
    return (
      <div class="field">
        <label for={id(which)}>{label}</label>
        <div class="size-input">
          <input id={id(which)} type="text" inputMode="decimal" value={draft[which]} onInput={(e) => onChange({ [which]: e.currentTarget.value })} {...invalid(id(which), message)} />
          <select aria-label={`${label}: unit`} value={draft[unitKey]} onChange={(e) => onChange({ [unitKey]: e.currentTarget.value as SizeUnit })}>
            <option value="B">bytes</option>
            <option value="KB">KB</option>
            <option value="MB">MB</option>
          </select>
        </div>
        <FieldError id={id(which)} message={message} />
      </div>
    );
  };

  const check = (key: "markRead" | "star" | "neverSpam" | "discard", label: string) => {
    const message = at(`actions.${key}`);
    return (
      <>
        <label class="choice">
          <input type="checkbox" id={id(key)} checked={draft[key]} onChange={(e) => onChange({ [key]: e.currentTarget.checked })} {...invalid(id(key), message)} />
          {label}
        </label>
        <FieldError id={id(key)} message={message} />
      </>
    );
  };

  const forwardError = at("actions.forwardTo");
  const forbidden = forwardError && (error as { status?: number }).status === 403;

  return (
    <div class="rule-editor">
      {text("name", "Name (optional)", "name")}
      <fieldset>
        <legend>When a message</legend>
        <div class="field match-field">
          <label for={id("match")}>Matches</label>
          <select id={id("match")} value={draft.match} onChange={(e) => onChange({ match: e.currentTarget.value as "all" | "any" })}>
            <option value="all">all of these</option>
            <option value="any">any of these</option>
          </select>
        </div>
        <div class="field-grid">
          {text("from", "From contains", "conditions.from", { autocomplete: "off" }, "An address, a domain or a name.")}
          {text("to", "To or Cc contains", "conditions.to", { autocomplete: "off" })}
          {text("subject", "Subject contains", "conditions.subject")}
          {text("words", "Has the words", "conditions.words", {}, "In the subject or the text; “quoted phrases” stay whole.")}
          {text("listId", "Mailing list (List-Id) contains", "conditions.listId")}
          <div class="field">
            <label for={id("hasAttachment")}>Attachment</label>
            <select id={id("hasAttachment")} value={draft.hasAttachment} onChange={(e) => onChange({ hasAttachment: e.currentTarget.value as RuleDraft["hasAttachment"] })}>
              <option value="">Either</option>
              <option value="yes">Has an attachment</option>
              <option value="no">Has no attachment</option>
            </select>
          </div>
          {size("sizeOver", "Larger than")}
          {size("sizeUnder", "Smaller than")}
        </div>
        <FieldError id={id("conditions")} message={at("conditions", false)} />
        <p class="hint">Leave every condition empty to act on every message.</p>
      </fieldset>
      <fieldset>
        <legend>Do this</legend>
        <div class="field-grid">
          {text("moveTo", "Move to folder", "actions.moveTo", { list: id("folders") }, "A new name makes a new folder.")}
          <datalist id={id("folders")}>
            {folders.value.filter((f) => f.role !== "inbox" && f.role !== "drafts" && f.role !== "sent").map((f) => (
              <option key={f.id} value={f.name} />
            ))}
          </datalist>
          {text("label", "Add labels", "actions.label", {}, "One word each, separated by commas.")}
          {text("forwardTo", "Forward a copy to", "actions.forwardTo", { type: "email", autocomplete: "off" })}
        </div>
        {forbidden && (
          <p class="hint">Adding a forward needs a signed-in session with your password, or an API key with the “forward mail” permission. Sign in again and retry.</p>
        )}
        <div class="checks">
          {check("markRead", "Mark as read")}
          {check("star", "Star it")}
          {check("neverSpam", "Never send it to Spam")}
          {check("discard", "Delete it (it is not kept anywhere)")}
        </div>
        <FieldError id={id("actions")} message={at("actions", false)} />
      </fieldset>
    </div>
  );
}
