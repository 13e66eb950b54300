// Changing the password (POST /account/password). It signs out every other session and revokes every
// API key and webhook, as Google does after a password change; the user is told before and after.
import { useSignal } from "@preact/signals";
import { limits } from "../../../../shared/limits.ts";
import { api } from "../../api/client.ts";
import { FieldError, fieldMessage, formMessage, invalid, SaveStatus, useSaver } from "./form.tsx";

export function PasswordForm() {
  const current = useSignal("");
  const next = useSignal("");
  const again = useSignal("");
  const mismatch = useSignal(false);
  const saver = useSaver();
  const err = saver.error.value;
  const currentError = fieldMessage(err, "currentPassword");
  const newError = fieldMessage(err, "newPassword");

  async function submit(e: Event) {
    e.preventDefault();
    mismatch.value = next.value !== again.value;
    if (mismatch.value) return;
    const ok = await saver.run(() => api<void>("/account/password", { body: { currentPassword: current.value, newPassword: next.value } }));
    if (ok) current.value = next.value = again.value = "";
  }

  return (
    <form class="settings-group" onSubmit={submit} aria-labelledby="password-title" noValidate>
      <h3 id="password-title">Password</h3>
      <p class="hint">
        Changing it signs you out everywhere else (other browsers, phones, mail apps), revokes every API key and removes every webhook. This browser stays signed in.
      </p>
      <label for="pw-current">Current password</label>
      <input id="pw-current" type="password" autocomplete="current-password" value={current.value} onInput={(e) => ((current.value = e.currentTarget.value), saver.reset())} {...invalid("pw-current", currentError)} />
      <FieldError id="pw-current" message={currentError} />
      <label for="pw-new">New password</label>
      <input
        id="pw-new"
        type="password"
        autocomplete="new-password"
        minLength={limits.minPasswordLength}
        value={next.value}
        onInput={(e) => ((next.value = e.currentTarget.value), saver.reset())}
        {...(newError ? invalid("pw-new", newError) : { "aria-describedby": "pw-new-hint" })}
      />
      {newError ? <FieldError id="pw-new" message={newError} /> : <p class="hint" id="pw-new-hint">At least {limits.minPasswordLength} characters. A few unrelated words make a strong one.</p>}
      <label for="pw-again">New password again</label>
      <input id="pw-again" type="password" autocomplete="new-password" value={again.value} onInput={(e) => ((again.value = e.currentTarget.value), (mismatch.value = false))} {...invalid("pw-again", mismatch.value ? "x" : undefined)} />
      <FieldError id="pw-again" message={mismatch.value ? "The two new passwords differ. Type the same one twice." : undefined} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={saver.state.value === "saving" || !current.value || !next.value}>
          Change password
        </button>
        <SaveStatus
          saver={saver}
          savedText="Password changed. Every other session is signed out, and your API keys and webhooks are revoked: make new ones where you need them."
          message={formMessage(err, (f) => f === "currentPassword" || f === "newPassword")}
        />
      </div>
    </form>
  );
}
