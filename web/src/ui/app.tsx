// Signed out: the sign-in page. Signed in: the mail shell. (The theme is set on <html> by
// state/preferences.ts, imported here so it applies before the first render.)
import { session } from "../api/session.ts";
import "../state/preferences.ts";
import { Shell } from "./shell.tsx";
import { SignIn } from "./sign-in.tsx";
import { Toasts } from "./toasts.tsx";

export function App() {
  return (
    <>
      {session.value ? <Shell key={session.value.user.id} /> : <SignIn />}
      <Toasts />
    </>
  );
}
