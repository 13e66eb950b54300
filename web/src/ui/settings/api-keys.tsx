// API keys for programs that use the mailbox (GET/POST /api-keys, DELETE /api-keys/{id}). Each
// permission is said in plain words; a new key is shown once, with a copy button, and never again.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ApiKeyCreated, ApiKeyInfo, Scope } from "../../../../shared/api.ts";
import { api, describeError } from "../../api/client.ts";
import { toast } from "../../state/toasts.ts";
import { fullDate, shortDate } from "../format.ts";
import { Confirm, FieldError, fieldMessage, formMessage, invalid, LoadState, SaveStatus, useLoad, useSaver } from "./form.tsx";

/** Every scope, in words for someone deciding what a program may do. */
export const scopeText: Record<Scope, { title: string; detail: string }> = {
  "mail.read": { title: "Read mail", detail: "List folders, open messages and attachments, search, and see what new mail says." },
  "mail.send": { title: "Send mail", detail: "Send messages as you and upload attachments." },
  "mail.manage": { title: "Organise mail", detail: "Mark read, star, move and delete messages, save drafts, change filters." },
  "mail.forward": {
    title: "Forward mail elsewhere",
    detail: "Add filters that send copies of your mail to other addresses. Give this only to programs you trust: forwarding is what an intruder sets up first.",
  },
  events: { title: "Be told of new mail", detail: "Receive live notices and webhooks when mail arrives (what it says only with “Read mail”)." },
};
const scopes = Object.keys(scopeText) as Scope[];

const expiries = [
  { value: "", label: "Never (until revoked)" },
  { value: String(7 * 86_400), label: "In 7 days" },
  { value: String(30 * 86_400), label: "In 30 days" },
  { value: String(90 * 86_400), label: "In 90 days" },
  { value: String(365 * 86_400), label: "In a year" },
];

export function ApiKeysPage() {
  const loaded = useLoad(async () => (await api<{ keys: ApiKeyInfo[] }>("/api-keys")).keys);
  const created = useSignal<ApiKeyCreated | null>(null);
  const revoking = useSignal<ApiKeyInfo | null>(null);

  async function revoke(key: ApiKeyInfo) {
    try {
      await api<void>(`/api-keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
      toast(`The key “${key.name}” is revoked. Programs using it are refused from now on.`);
      if (created.value?.id === key.id) created.value = null;
      await loaded.reload();
      document.getElementById("apikey-name")?.focus();
    } catch (e) {
      toast(`The key “${key.name}” could not be revoked. ${describeError(e)}`, { kind: "error" });
    }
  }

  const keys = loaded.data.value;
  return (
    <div class="settings-page">
      <h2>API keys</h2>
      <p class="hint">A key lets a program (a script, a CRM, an automation) use your mailbox through the API, with only the permissions you give it. Changing your password revokes every key.</p>
      {created.value && <NewKey created={created.value} onDone={() => (created.value = null)} />}
      <CreateKey
        onCreated={(k) => {
          created.value = k;
          void loaded.reload();
        }}
      />
      <section class="settings-group" aria-labelledby="keys-title">
        <h3 id="keys-title">Your keys</h3>
        {!keys ? (
          <LoadState loaded={loaded} what="Your API keys" />
        ) : keys.length === 0 ? (
          <p class="empty-line">No keys. Programs cannot use your mailbox.</p>
        ) : (
          <ul class="card-list">
            {keys.map((k) => {
              const expired = k.expiresAt !== null && Date.parse(k.expiresAt) <= Date.now();
              return (
                <li key={k.id} class="card">
                  <div class="grow">
                    <strong>{k.name}</strong> <code>{k.prefix}…</code>
                    {expired && <span class="badge">expired</span>}
                    <div class="meta">{k.scopes.map((s) => scopeText[s]?.title ?? s).join(" · ")}</div>
                    <div class="meta">
                      Made <time title={fullDate(k.createdAt)}>{shortDate(k.createdAt)}</time>
                      {" · "}
                      {k.lastUsedAt ? (
                        <>
                          last used <time title={fullDate(k.lastUsedAt)}>{shortDate(k.lastUsedAt)}</time>
                        </>
                      ) : (
                        "never used"
                      )}
                      {" · "}
                      {k.expiresAt ? (
                        <>
                          {expired ? "expired" : "expires"} <time title={fullDate(k.expiresAt)}>{shortDate(k.expiresAt)}</time>
                        </>
                      ) : (
                        "does not expire"
                      )}
                    </div>
                  </div>
                  <button type="button" class="danger-outline" onClick={() => (revoking.value = k)}>
                    Revoke<span class="visually-hidden"> {k.name}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {revoking.value && (
        <Confirm
          title={`Revoke “${revoking.value.name}”?`}
          confirmLabel="Revoke"
          danger
          onConfirm={() => void revoke(revoking.value!)}
          onClose={() => (revoking.value = null)}
        >
          <p>Programs using this key are refused at once, and webhooks it made are removed. This cannot be undone; you can make a new key.</p>
        </Confirm>
      )}
    </div>
  );
}

function CreateKey({ onCreated }: { onCreated: (k: ApiKeyCreated) => void }) {
  const name = useSignal("");
  const chosen = useSignal<ReadonlySet<Scope>>(new Set(["mail.read"]));
  const expiresIn = useSignal("");
  const saver = useSaver();
  const err = saver.error.value;

  async function submit(e: Event) {
    e.preventDefault();
    let made: ApiKeyCreated | null = null;
    const body = { name: name.value.trim(), scopes: scopes.filter((s) => chosen.value.has(s)), ...(expiresIn.value ? { expiresIn: Number(expiresIn.value) } : {}) };
    const ok = await saver.run(async () => {
      made = await api<ApiKeyCreated>("/api-keys", { body });
    });
    if (ok && made) {
      name.value = "";
      saver.reset();
      onCreated(made);
    }
  }

  const nameError = fieldMessage(err, "name");
  const scopesError = fieldMessage(err, "scopes", true);
  const expiryError = fieldMessage(err, "expiresIn");
  return (
    <form class="settings-group" onSubmit={submit} aria-labelledby="newkey-title" noValidate>
      <h3 id="newkey-title">Make a key</h3>
      <label for="apikey-name">Name</label>
      <input id="apikey-name" type="text" maxLength={100} placeholder="What uses it, e.g. “CRM sync”" value={name.value} onInput={(e) => ((name.value = e.currentTarget.value), saver.reset())} {...invalid("apikey-name", nameError)} />
      <FieldError id="apikey-name" message={nameError} />
      <fieldset class="scopes" {...invalid("apikey-scopes", scopesError)}>
        <legend>What it may do</legend>
        {scopes.map((s) => (
          <label key={s} class="scope">
            <input
              type="checkbox"
              checked={chosen.value.has(s)}
              onChange={(e) => {
                const next = new Set(chosen.value);
                if (e.currentTarget.checked) next.add(s);
                else next.delete(s);
                chosen.value = next;
                saver.reset();
              }}
            />
            <span>
              <strong>{scopeText[s].title}</strong> <code>{s}</code>
              <span class="meta">{scopeText[s].detail}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <FieldError id="apikey-scopes" message={scopesError} />
      <label for="apikey-expiry">Expires</label>
      <select id="apikey-expiry" value={expiresIn.value} onChange={(e) => (expiresIn.value = e.currentTarget.value)} {...invalid("apikey-expiry", expiryError)}>
        {expiries.map((x) => (
          <option key={x.value} value={x.value}>
            {x.label}
          </option>
        ))}
      </select>
      <FieldError id="apikey-expiry" message={expiryError} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={saver.state.value === "saving"}>
          Make key
        </button>
        <SaveStatus saver={saver} message={formMessage(err, (f) => f === "name" || f.startsWith("scopes") || f === "expiresIn")} />
      </div>
    </form>
  );
}

/** The new key, shown this once: selected for copying, with a copy button and a warning. */
function NewKey({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const copied = useSignal(false);
  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [created.id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      copied.value = true;
    } catch {
      // No clipboard permission (or not a secure context): leave it selected for Ctrl+C.
      field.current?.select();
      toast("Copying is not allowed here: the key is selected, press Ctrl+C (⌘C on a Mac).");
    }
  }

  return (
    <section class="settings-group new-key" aria-labelledby="created-title">
      <h3 id="created-title">Your new key “{created.name}”</h3>
      <p class="notice" id="created-warning">
        Copy it now: it is shown only this once. Anyone who has it can use your mailbox with its permissions; keep it like a password.
      </p>
      <label for="created-key">Key</label>
      <div class="inline-field">
        <input id="created-key" ref={field} class="mono grow" type="text" readOnly value={created.key} aria-describedby="created-warning" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="primary" onClick={() => void copy()}>
          {copied.value ? "Copied" : "Copy"}
        </button>
      </div>
      <span role="status" class="visually-hidden">
        {copied.value ? "The key is copied." : ""}
      </span>
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
