// Security: recent sign-ins (GET /security/logins), recent security activity (GET /security/events),
// and signing out everywhere (POST /auth/logout?all=true), which ends this session too.
import { useSignal } from "@preact/signals";
import type { SecurityEvent } from "../../../../shared/security.ts";
import { api, call, describeError } from "../../api/client.ts";
import { endSession, session } from "../../api/session.ts";
import { fullDate, shortDate } from "../format.ts";
import { Confirm, LoadState, useLoad } from "./form.tsx";

/** A sign-in as GET /security/logins lists it (edge/src/hub/logins.ts LoginRecord). */
interface Login {
  at: string;
  sessionId: string;
  ip: string;
  country: string | null;
  asn: number | null;
  network: string | null;
  userAgent: string | null;
  newLocation: boolean;
}

/** The session id inside this tab's token, to mark "this browser" in the list. Only read, never trusted. */
function currentSessionId(): string | null {
  try {
    const part = session.value?.token.split(".")[1] ?? "";
    return (JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { sid?: string }).sid ?? null;
  } catch {
    return null;
  }
}

/** "Firefox on Windows" from a User-Agent header: enough to recognise one's own devices. */
export function deviceOf(ua: string | null): string {
  if (!ua) return "Unknown device";
  const browser = /Edg\//.test(ua) ? "Edge" : /OPR\//.test(ua) ? "Opera" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : /curl\//.test(ua) ? "curl" : null;
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? ua.slice(0, 60);
}

const place = (l: { country: string | null; network: string | null; ip: string }) => [l.country, l.network].filter(Boolean).join(", ") || l.ip;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const revoked = (d: { sessions: number; apiKeysRevoked: number; webhooksRemoved: number }) =>
  `${plural(d.sessions, "session", "sessions")} signed out, ${plural(d.apiKeysRevoked, "API key", "API keys")} revoked, ${plural(d.webhooksRemoved, "webhook", "webhooks")} removed`;
const by = (who: "user" | "operator") => (who === "operator" ? " by the administrator" : "");

/** One line for a person: what happened, and what it did. */
export function describeEvent(e: SecurityEvent): string {
  switch (e.type) {
    case "sign-in.new-location":
      return `Sign-in from somewhere new: ${place(e.data)} (${e.data.ip}), ${deviceOf(e.data.userAgent)}`;
    case "forwarding.added":
      return `Your filters started forwarding mail to ${e.data.added.join(", ")} (saved by ${e.data.by.kind === "apiKey" ? "an API key" : "a signed-in session"})`;
    case "sign-in.blocked":
      return `${e.data.failures} wrong passwords ${e.data.protocol === "submission" ? "from a mail app" : "at sign-in"} from ${e.data.ip}: ${e.data.blocked === "account" ? "your account" : "that address"} was blocked until ${fullDate(e.data.until)}`;
    case "password.changed":
      return `Password changed${by(e.data.by)}: ${revoked(e.data)}`;
    case "api-key.created":
      return `API key “${e.data.name}” made${by(e.data.by)}`;
    case "api-key.revoked":
      return `API key “${e.data.name}” revoked${by(e.data.by)}`;
    case "signed-out-everywhere":
      return `Signed out everywhere${by(e.data.by)}: ${revoked(e.data)}`;
    default:
      return (e as { type: string }).type;
  }
}

export function SecurityPage() {
  const logins = useLoad(async () => (await api<{ logins: Login[] }>("/security/logins")).logins);
  const events = useLoad(async () => (await api<{ events: SecurityEvent[] }>("/security/events")).events);
  const asking = useSignal(false);
  const error = useSignal<string | null>(null);
  const mine = currentSessionId();

  async function signOutEverywhere() {
    error.value = null;
    try {
      await call("/auth/logout?all=true", { method: "POST" });
      endSession("You signed out everywhere. Sign in again to go on here.");
    } catch (e) {
      error.value = `Not signed out: ${describeError(e)}`;
    }
  }

  return (
    <div class="settings-page">
      <h2>Security</h2>
      <section class="settings-group" aria-labelledby="logins-title">
        <h3 id="logins-title">Recent sign-ins</h3>
        <p class="hint">Sign-ins with your password in the last 90 days. Not you? Change your password (General), then sign out everywhere.</p>
        {!logins.data.value ? (
          <LoadState loaded={logins} what="Your sign-ins" />
        ) : logins.data.value.length === 0 ? (
          <p class="empty-line">No sign-ins recorded.</p>
        ) : (
          <ul class="card-list">
            {logins.data.value.map((l) => (
              <li key={`${l.sessionId}-${l.at}`} class="card">
                <div class="grow">
                  <strong>{deviceOf(l.userAgent)}</strong>
                  {l.sessionId === mine && <span class="badge badge-accent">this browser</span>}
                  {l.newLocation && <span class="badge badge-warn">new location</span>}
                  <div class="meta">
                    {place(l)} · {l.ip}
                  </div>
                </div>
                <time class="meta" dateTime={l.at} title={fullDate(l.at)}>
                  {shortDate(l.at)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="settings-group" aria-labelledby="activity-title">
        <h3 id="activity-title">Security activity</h3>
        {!events.data.value ? (
          <LoadState loaded={events} what="Your security activity" />
        ) : events.data.value.length === 0 ? (
          <p class="empty-line">Nothing in the last 90 days.</p>
        ) : (
          <ul class="card-list">
            {events.data.value.map((e, i) => (
              <li key={i} class={`card${e.type === "forwarding.added" || e.type === "sign-in.blocked" || e.type === "sign-in.new-location" ? " card-warn" : ""}`}>
                <span class="grow">{describeEvent(e)}</span>
                <time class="meta" dateTime={e.at} title={fullDate(e.at)}>
                  {shortDate(e.at)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="settings-group" aria-labelledby="everywhere-title">
        <h3 id="everywhere-title">Sign out everywhere</h3>
        <p class="hint">Ends every session signed in with your password: other browsers, phones, and this one. API keys keep working; revoke them on the API keys page.</p>
        <button type="button" class="danger" onClick={() => (asking.value = true)}>
          Sign out everywhere
        </button>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
      </section>
      {asking.value && (
        <Confirm title="Sign out everywhere?" confirmLabel="Sign out everywhere" danger onConfirm={() => void signOutEverywhere()} onClose={() => (asking.value = false)}>
          <p>Every session is signed out at once, this one too: you will see the sign-in page.</p>
        </Confirm>
      )}
    </div>
  );
}
