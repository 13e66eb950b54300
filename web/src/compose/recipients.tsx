// A recipients field (To, Cc, Bcc): typed addresses become chips on comma, semicolon, Enter or Tab, a
// pasted list becomes many, Backspace in the empty field takes the last one back for editing. An
// ARIA combobox suggests people from the user's contacts (arrow keys, Enter, or a click).
import { useSignal } from "@preact/signals";
import type { Ref } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { parseRecipients, recipientLabel, sameAddress, type Recipient } from "./addresses.ts";
import { suggest, type Contact } from "./contacts.ts";
import type { Draft, Field } from "./draft.ts";

interface Props {
  draft: Draft;
  field: Field;
  label: string;
  inputRef?: Ref<HTMLInputElement>;
  children?: preact.ComponentChildren;
}

export function Recipients({ draft, field, label, inputRef, children }: Props) {
  const list = draft[field];
  const text = useSignal("");
  const options = useSignal<Contact[]>([]);
  const active = useSignal(-1);
  const abort = useRef<AbortController | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const id = `${draft.id}-${field}`;
  const error = draft.fieldErrors.value[field];

  useEffect(() => () => (clearTimeout(timer.current), abort.current?.abort()), []);

  const clearError = () => {
    if (draft.fieldErrors.value[field]) {
      const { [field]: _, ...rest } = draft.fieldErrors.value;
      draft.fieldErrors.value = rest;
    }
  };
  const add = (rs: Recipient[]) => {
    const fresh = rs.filter((r) => !list.value.some((x) => sameAddress(x.address, r.address)));
    if (fresh.length) list.value = [...list.value, ...fresh];
    clearError();
  };
  const closeList = () => {
    clearTimeout(timer.current);
    abort.current?.abort();
    options.value = [];
    active.value = -1;
  };
  const commit = () => {
    if (text.value.trim()) add(parseRecipients(text.value));
    text.value = "";
    closeList();
  };
  const pick = (c: Contact) => {
    add([{ name: c.name, address: c.address, valid: true }]);
    text.value = "";
    closeList();
  };
  const lookUp = (q: string) => {
    clearTimeout(timer.current);
    abort.current?.abort();
    if (!q.trim()) return closeList();
    timer.current = setTimeout(async () => {
      const a = new AbortController();
      abort.current = a;
      const found = await suggest(q, a.signal);
      if (a.signal.aborted) return;
      options.value = found.filter((c) => !list.value.some((x) => sameAddress(x.address, c.address)));
      active.value = options.value.length ? 0 : -1;
    }, 120);
  };
  const remove = (i: number) => {
    list.value = list.value.filter((_, j) => j !== i);
    clearError();
  };

  const onInput = (value: string) => {
    // A separator typed ends the address before it.
    const last = Math.max(value.lastIndexOf(","), value.lastIndexOf(";"));
    if (last >= 0 && (value.match(/"/g)?.length ?? 0) % 2 === 0) {
      add(parseRecipients(value.slice(0, last)));
      value = value.slice(last + 1).trimStart();
    }
    text.value = value;
    lookUp(value);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const open = options.value.length > 0;
    if (e.key === "ArrowDown" && open) {
      e.preventDefault();
      active.value = (active.value + 1) % options.value.length;
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      active.value = (active.value - 1 + options.value.length) % options.value.length;
    } else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
      if (open && active.value >= 0) {
        e.preventDefault();
        pick(options.value[active.value]!);
      } else if (text.value.trim()) {
        e.preventDefault();
        commit();
      }
    } else if (e.key === "Tab" && !e.shiftKey && text.value.trim()) {
      if (open && active.value >= 0) pick(options.value[active.value]!);
      else commit();
    } else if (e.key === "Escape" && open) {
      e.stopPropagation();
      closeList();
    } else if (e.key === "Backspace" && !text.value && list.value.length) {
      e.preventDefault();
      const last = list.value.at(-1)!;
      remove(list.value.length - 1);
      text.value = last.name ? `${last.name} <${last.address}>` : last.address;
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const pasted = e.clipboardData?.getData("text") ?? "";
    if (!/[,;\n]/.test(pasted)) return;
    e.preventDefault();
    add(parseRecipients(text.value + pasted));
    text.value = "";
    closeList();
  };

  const open = options.value.length > 0;
  return (
    <div class={`compose-field recipients${error ? " has-error" : ""}`}>
      <label for={`${id}-input`} class="compose-label">
        {label}
      </label>
      <ul class="chips" aria-label={`${label} recipients`}>
        {list.value.map((r, i) => (
          <li key={r.address + i} class={`chip${r.valid ? "" : " invalid"}`} title={r.valid ? r.address : `“${r.address}” is not a mail address`}>
            <button type="button" class="chip-label" onClick={() => (remove(i), (text.value = r.name ? `${r.name} <${r.address}>` : r.address))} aria-label={`Edit ${r.address}${r.valid ? "" : " (not a valid address)"}`}>
              {recipientLabel(r)}
            </button>
            <button type="button" class="chip-remove" aria-label={`Remove ${r.address}`} onClick={() => remove(i)}>
              ×
            </button>
          </li>
        ))}
        <li class="chip-input">
          <input
            id={`${id}-input`}
            ref={inputRef}
            type="text"
            role="combobox"
            autocomplete="off"
            spellcheck={false}
            aria-autocomplete="list"
            aria-expanded={open}
            aria-controls={`${id}-list`}
            aria-activedescendant={open && active.value >= 0 ? `${id}-opt-${active.value}` : undefined}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            value={text.value}
            onInput={(e) => onInput(e.currentTarget.value)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            onBlur={commit}
          />
        </li>
      </ul>
      {children}
      <ul id={`${id}-list`} role="listbox" class="suggestions" aria-label={`Suggestions for ${label}`} hidden={!open}>
        {options.value.map((c, i) => (
          <li
            key={c.address}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active.value}
            class={i === active.value ? "active" : undefined}
            onMouseDown={(e) => (e.preventDefault(), pick(c))}
          >
            {c.name ? (
              <>
                <strong>{c.name}</strong> <span class="address">{c.address}</span>
              </>
            ) : (
              c.address
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
