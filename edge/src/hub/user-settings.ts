// The user's settings (undo-send delay, trusted senders of remote content, theme), in their Durable
// Object: one JSON row, read and rewritten within one call of the object, so two changes never
// interleave. Adding a trusted sender is its own change, so two clients adding at once both count.
import { defaultSettings, type Settings, type SettingsPatch } from "../../../shared/api.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import { limits } from "../../../shared/limits.ts";

/** Addresses as the API validated them, normalized, each once, in the order given. */
function normalized(addresses: string[]): string[] {
  return [...new Set(addresses.map((a) => normalizeAddress(a) ?? a))];
}

export class UserSettings {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS user_settings (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`);
  }

  get(): Settings {
    const row = this.#sql.exec<{ value: string }>(`SELECT value FROM user_settings WHERE id = 1`).toArray()[0];
    // Stored settings miss the fields added after they were saved: those take their defaults.
    return row ? { ...defaultSettings, ...(JSON.parse(row.value) as Partial<Settings>) } : defaultSettings;
  }

  #save(settings: Settings): Settings {
    this.#sql.exec(`INSERT INTO user_settings (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value`, JSON.stringify(settings));
    return settings;
  }

  update(patch: SettingsPatch): Settings {
    const current = this.get();
    return this.#save({
      undoSendSeconds: patch.undoSendSeconds ?? current.undoSendSeconds,
      remoteContent: patch.remoteContent ? { trustedSenders: normalized(patch.remoteContent.trustedSenders) } : current.remoteContent,
      theme: patch.theme ?? current.theme,
    });
  }

  /** Trusts one more sender; null when the list is full (and does not have it). */
  trustSender(address: string): Settings | null {
    const current = this.get();
    const trusted = normalized([...current.remoteContent.trustedSenders, address]);
    if (trusted.length === current.remoteContent.trustedSenders.length) return current;
    if (trusted.length > limits.maxTrustedSenders) return null;
    return this.#save({ ...current, remoteContent: { trustedSenders: trusted } });
  }
}
