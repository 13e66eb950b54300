// A user's settings before they change any (GET /api/v1/settings). Apart from shared/api.ts, which
// re-exports it, so the webmail can use it without bringing the zod schemas into the browser.
import type { Settings } from "./api.ts";

export const defaultSettings: Settings = { undoSendSeconds: 10, remoteContent: { trustedSenders: [] }, theme: "system" };
