// The user's settings kept by the service (GET/PATCH /api/v1/settings; `Settings` in shared/api.ts):
// one copy for the whole app — the composer's undo window, the reader's trusted image senders, the
// settings page, the theme. Loaded once per session; every change answers the full settings.
import { signal } from "@preact/signals";
import type { Settings, SettingsPatch } from "../../../shared/api.ts";
import { defaultSettings } from "../../../shared/settings-defaults.ts";
import { api } from "../api/client.ts";
import { session } from "../api/session.ts";
import { theme } from "./preferences.ts";

export const settings = signal<Settings | null>(null);
let loading: { user: string; promise: Promise<Settings> } | null = null;

function take(s: Settings): Settings {
  settings.value = s;
  theme.value = s.theme;
  return s;
}

/** The settings, from the service once per session; rejects when it cannot be asked (callers choose a default). */
export function loadSettings(): Promise<Settings> {
  const user = session.value?.user.id ?? "";
  if (loading?.user !== user) {
    const promise = api<Settings>("/settings").then(take, (e: unknown) => {
      loading = null;
      throw e;
    });
    loading = { user, promise };
  }
  return loading.promise;
}

/** The settings or, when the service cannot tell, the defaults (a failed read is not an error to show). */
export const settingsOrDefaults = () => loadSettings().catch(() => defaultSettings);

export async function patchSettings(patch: SettingsPatch): Promise<Settings> {
  return take(await api<Settings>("/settings", { method: "PATCH", body: patch }));
}

/** Adds one sender whose remote images are always shown (a POST, so two tabs do not overwrite each other). */
export async function trustSender(address: string): Promise<Settings> {
  return take(await api<Settings>("/settings/trusted-senders", { method: "POST", body: { address } }));
}
