// The signed-in session: the bearer token from POST /auth/login, kept in localStorage so a reload or a
// second tab stays signed in (until it expires, or the user signs out). A 401 from any call ends it.
import { signal } from "@preact/signals";
import type { LoginResponse, UserIdentity } from "../../../shared/api.ts";

export interface Session {
  token: string;
  expiresAt: number;
  user: UserIdentity;
}

const KEY = "edgemail.session";

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? "null") as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export const session = signal<Session | null>(load());
/** Why the user is at the sign-in page again (session expired), shown there. */
export const signInReason = signal<string | null>(null);

export function startSession(login: LoginResponse): void {
  const s: Session = { token: login.token, expiresAt: Date.now() + login.expiresIn * 1000, user: login.user };
  localStorage.setItem(KEY, JSON.stringify(s));
  signInReason.value = null;
  session.value = s;
}

/** Ends the session in this tab (and others, through the storage event). `reason` says why to the user. */
export function endSession(reason: string | null = null): void {
  localStorage.removeItem(KEY);
  signInReason.value = reason;
  session.value = null;
}

// Signing in or out in another tab changes this one too.
addEventListener("storage", (e) => {
  if (e.key === KEY) session.value = load();
});
