// Placeholder until the full composer lands: one window per draft.
import { closeCompose, composeWindows } from "../state/compose.ts";

export function ComposeHost() {
  return (
    <>
      {composeWindows.value.map((w) => (
        <section key={w.id} class="compose" aria-label="New message">
          <button type="button" onClick={() => closeCompose(w.id)}>
            Close
          </button>
        </section>
      ))}
    </>
  );
}
