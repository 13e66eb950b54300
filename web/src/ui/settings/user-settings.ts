// The user's settings kept by the service (GET/PATCH /api/v1/settings; `Settings` in shared/api.ts).
// A service of an older version answers 404, and the page says so instead of failing.
import type { Settings, SettingsPatch } from "../../../../shared/api.ts";
import { api, ApiError } from "../../api/client.ts";

export type { SettingsPatch };
export type UserSettings = Settings;

export const undoSendChoices = [0, 5, 10, 20, 30] as const;

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
