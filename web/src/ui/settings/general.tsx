// General settings: how long a sent message can be taken back, the theme, the senders whose images
// show without asking, and the password. Choices save as they are made; the password has its form.
import { useSignal } from "@preact/signals";
import { theme, type Theme } from "../../state/preferences.ts";
import { describeError } from "../../api/client.ts";
import { LoadState, SaveStatus, useLoad, useSaver, type Saver } from "./form.tsx";
import { PasswordForm } from "./password.tsx";
import { loadSettings, patchSettings, undoSendChoices, type SettingsPatch, type UserSettings } from "./user-settings.ts";

const themes: { value: Theme; label: string }[] = [
  { value: "system", label: "As the device is set" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function GeneralPage() {
  const loaded = useLoad(async () => {
    // Loading them also sets the theme: what the service keeps wins over this browser's memory.
    return { settings: await loadSettings() };
  });
  return (
    <div class="settings-page">
      <h2>General</h2>
      {loaded.data.value ? <Preferences initial={loaded.data.value.settings} /> : <LoadState loaded={loaded} what="Your settings" />}
      <PasswordForm />
    </div>
  );
}

function Preferences({ initial }: { initial: UserSettings | null }) {
  const settings = useSignal(initial);
  const undoSaver = useSaver();
  const themeSaver = useSaver();
  const sendersSaver = useSaver();
  const s = settings.value;

  // Shown at once; put back as it was if the service refuses.
  const change = (saver: Saver, patch: SettingsPatch) => {
    const before = settings.value;
    if (!before) return;
    settings.value = { ...before, ...patch, remoteContent: patch.remoteContent ?? before.remoteContent };
    void saver
      .run(async () => {
        settings.value = await patchSettings(patch);
      })
      .then((ok) => {
        if (!ok) settings.value = before;
      });
  };

  return (
    <>
      {!s && (
        <p class="notice">
          This service does not keep settings yet. The theme is kept in this browser only; undo send and trusted senders cannot be changed until it does.
        </p>
      )}
      <fieldset class="settings-group" disabled={!s}>
        <legend>Undo send</legend>
        <p class="hint">How long after you press Send the message waits, so that you can take it back.</p>
        <div class="choices">
          {undoSendChoices.map((n) => (
            <label key={n} class="choice">
              <input
                type="radio"
                name="undo-send"
                value={n}
                checked={(s?.undoSendSeconds ?? 0) === n}
                onChange={() => change(undoSaver, { undoSendSeconds: n })}
              />
              {n === 0 ? "Off" : `${n} seconds`}
            </label>
          ))}
        </div>
        <SaveStatus saver={undoSaver} />
      </fieldset>

      <fieldset class="settings-group">
        <legend>Theme</legend>
        <div class="choices">
          {themes.map((t) => (
            <label key={t.value} class="choice">
              <input
                type="radio"
                name="theme"
                value={t.value}
                checked={theme.value === t.value}
                onChange={() => {
                  theme.value = t.value;
                  change(themeSaver, { theme: t.value });
                }}
              />
              {t.label}
            </label>
          ))}
        </div>
        <SaveStatus saver={themeSaver} message={themeSaver.error.value ? `Used in this browser, but not saved: ${describeError(themeSaver.error.value)}` : null} />
      </fieldset>

      {s && (
        <section class="settings-group" aria-labelledby="trusted-title">
          <h3 id="trusted-title">Images from senders you trust</h3>
          <p class="hint">Images in mail from these senders show without asking. Images from anyone else wait until you choose to show them.</p>
          {s.remoteContent.trustedSenders.length === 0 ? (
            <p class="empty-line">None yet. When a message asks to load images, you can choose to always show them for its sender.</p>
          ) : (
            <ul class="plain-list">
              {s.remoteContent.trustedSenders.map((sender) => (
                <li key={sender}>
                  <span class="grow">{sender}</span>
                  <button
                    type="button"
                    aria-label={`Remove ${sender}`}
                    onClick={() => change(sendersSaver, { remoteContent: { trustedSenders: s.remoteContent.trustedSenders.filter((x) => x !== sender) } })}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <SaveStatus saver={sendersSaver} savedText="Removed" />
        </section>
      )}
    </>
  );
}
