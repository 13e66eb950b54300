// The user's settings kept by the service (GET/PATCH /api/v1/settings). The schema is being added to
// shared/ alongside this page; until then this is the interface both sides agreed on. A service
// without the route answers 404, and the page says so instead of failing.
import { api, ApiError } from "../../api/client.ts";
import type { Theme } from "../../state/preferences.ts";

export const undoSendChoices = [0, 5, 10, 20, 30] as const;

export interface UserSettings {
  undoSendSeconds: number;
  remoteContent: { trustedSenders: string[] };
  theme: Theme;
}

export type SettingsPatch = Partial<Omit<UserSettings, "remoteContent">> & { remoteContent?: { trustedSenders: string[] } };

/** null: this service does not keep settings (404). */
export async function loadSettings(): Promise<UserSettings | null> {
  try {
    return await api<UserSettings>("/settings");
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** The settings after the change: the server's answer, or the change applied to what we had when it
 * answers without a body. */
export async function patchSettings(before: UserSettings, patch: SettingsPatch): Promise<UserSettings> {
  const after = await api<UserSettings | undefined>("/settings", { method: "PATCH", body: patch });
  return after && typeof after === "object" ? after : { ...before, ...patch, remoteContent: patch.remoteContent ?? before.remoteContent };
}
