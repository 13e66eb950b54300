// The sign-in page: labelled fields, the server's answer in words (wrong password, too many attempts).
import { useSignal } from "@preact/signals";
import type { LoginResponse } from "../../../shared/api.ts";
import { api, ApiError, describeError } from "../api/client.ts";
import { signInReason, startSession } from "../api/session.ts";

export function SignIn() {
  const address = useSignal(localStorage.getItem("edgemail.lastAddress") ?? "");
  const password = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  async function submit(e: Event) {
    e.preventDefault();
    busy.value = true;
    error.value = null;
    try {
      const login = await api<LoginResponse>("/auth/login", { body: { address: address.value.trim(), password: password.value }, authenticated: false });
      localStorage.setItem("edgemail.lastAddress", address.value.trim());
      startSession(login);
    } catch (err) {
      error.value =
        err instanceof ApiError && err.status === 401
          ? "That address and password do not match. Check both and try again."
          : describeError(err);
    } finally {
      busy.value = false;
    }
  }

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to edgemail</h1>
        {signInReason.value && <p class="notice">{signInReason.value}</p>}
        <label for="signin-address">Email address</label>
        <input id="signin-address" name="username" type="email" autocomplete="username" required value={address.value} onInput={(e) => (address.value = e.currentTarget.value)} autofocus />
        <label for="signin-password">Password</label>
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy.value}>
          {busy.value ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
