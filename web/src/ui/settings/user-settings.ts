// The settings page's view of the user's settings (state/settings.ts keeps the one copy). A service of
// an older version answers 404, and the page says so instead of failing.
import type { Settings, SettingsPatch } from "../../../../shared/api.ts";
import { ApiError } from "../../api/client.ts";
import { loadSettings as load } from "../../state/settings.ts";

export { patchSettings } from "../../state/settings.ts";
export type { SettingsPatch };
export type UserSettings = Settings;

export const undoSendChoices = [0, 5, 10, 20, 30] as const;

/** null: this service does not keep settings (404). */
export async function loadSettings(): Promise<UserSettings | null> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
