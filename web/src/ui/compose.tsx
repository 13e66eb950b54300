// The compose windows, bottom right (full screen on a phone). The composer's code loads with the
// first window: the first screen does not need it. On sign-in, drafts this device kept and did not
// send (a closed tab, a dropped network, an expired session) are offered back.
import { lazy, Suspense } from "preact/compat";
import { useEffect } from "preact/hooks";
import { composeWindows, openCompose, unsentStoredDrafts } from "../state/compose.ts";
import { toast } from "../state/toasts.ts";

const ComposeWindow = lazy(() => import("../compose/window.tsx"));

export function ComposeHost() {
  useEffect(() => {
    const kept = unsentStoredDrafts();
    if (kept.length === 0) return;
    const what = kept.length === 1 ? `An unsent draft${kept[0]!.subject ? ` (“${kept[0]!.subject}”)` : ""} is` : `${kept.length} unsent drafts are`;
    toast(`${what} kept on this device.`, {
      timeout: 0,
      action: { label: kept.length === 1 ? "Reopen it" : "Reopen them", run: () => unsentStoredDrafts().forEach((d) => openCompose({ mode: d.mode, restore: d })) },
    });
  }, []);
  const windows = composeWindows.value;
  if (windows.length === 0) return null;
  return (
    <div class="compose-dock">
      <Suspense fallback={<p class="compose-loading" role="status">Opening the composer…</p>}>
        {windows.map((w, i) => (
          <ComposeWindow key={w.id} window={w} index={windows.length - 1 - i} />
        ))}
      </Suspense>
    </div>
  );
}
