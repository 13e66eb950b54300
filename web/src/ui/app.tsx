// Signed out: the sign-in page. Signed in: the mail shell. The theme follows the system unless the
// user chose one (settings).
import { useEffect } from "preact/hooks";
import { session } from "../api/session.ts";
import { theme } from "../state/preferences.ts";
import { Shell } from "./shell.tsx";
import { SignIn } from "./sign-in.tsx";
import { Toasts } from "./toasts.tsx";

export function App() {
  const t = theme.value;
  useEffect(() => {
    if (t === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = t;
  }, [t]);
  return (
    <>
      {session.value ? <Shell key={session.value.user.id} /> : <SignIn />}
      <Toasts />
    </>
  );
}
