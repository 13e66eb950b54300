// Sends the service holds before they go out ("undo send"), in the user's Durable Object. The message
// itself waits on the outgoing queue (delivered at its `sendAt`); this table only says whether it may
// still go. A cancel and the consumer's claim each change a row in one synchronous statement of the
// object, so exactly one of them wins: a cancel after the claim is "sent", a claim after the cancel is
// "cancelled".
// Rows go a day after their sendAt: by then the queue has offered the message (its hold is at most a
// minute), so a row is only needed again by a consumer retrying after a core outage, which claimed it
// already; a message with no row is sent.
import type { HeldCancel, HeldSend, HeldState } from "../hub-types.ts";

interface HeldRow extends Record<string, SqlStorageValue> {
  state: string;
  send_at: number;
  recipients: number;
}

const KEEP_MS = 86_400_000;

export class HeldSends {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS held_sends (message_id TEXT PRIMARY KEY, send_at INTEGER NOT NULL, state TEXT NOT NULL, recipients INTEGER NOT NULL DEFAULT 0)`);
    // Objects made before a cancel gave the quota back: their rows count no recipients (nothing to give back).
    if (!sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('held_sends')`).toArray().some((c) => c.name === "recipients")) {
      sql.exec(`ALTER TABLE held_sends ADD COLUMN recipients INTEGER NOT NULL DEFAULT 0`);
    }
  }

  #get(messageId: string): HeldSend | null {
    const row = this.#sql.exec<HeldRow>(`SELECT state, send_at, recipients FROM held_sends WHERE message_id = ?`, messageId).toArray()[0];
    return row ? { state: row.state as HeldState, sendAt: row.send_at, recipients: row.recipients } : null;
  }

  /** Records a send held until `sendAt` that reserved `recipients` of the daily quota; one recorded
   * already (a retried request) stays as it is. */
  hold(messageId: string, sendAt: number, recipients: number, now = Date.now()): HeldSend {
    this.#sql.exec(`DELETE FROM held_sends WHERE send_at < ?`, now - KEEP_MS);
    this.#sql.exec(
      `INSERT INTO held_sends (message_id, send_at, state, recipients) VALUES (?, ?, 'held', ?) ON CONFLICT (message_id) DO NOTHING`,
      messageId,
      sendAt,
      recipients,
    );
    return this.#get(messageId)!;
  }

  /** Cancels a send still held (a cancelled one stays cancelled): what it is now, or null for none;
   * `release` is the recipients to give back to the quota, non-zero only for the call that cancelled
   * it (so a cancel asked twice gives back once). */
  cancel(messageId: string): HeldCancel | null {
    const changed = this.#sql.exec(`UPDATE held_sends SET state = 'cancelled' WHERE message_id = ? AND state = 'held'`, messageId).rowsWritten > 0;
    const held = this.#get(messageId);
    return held ? { state: held.state, release: changed ? held.recipients : 0 } : null;
  }

  /** The consumer takes the send: "cancelled" when the user cancelled it first, else "send" from now
   * on (the consumer asks again on every retry). */
  claim(messageId: string): "send" | "cancelled" {
    this.#sql.exec(`UPDATE held_sends SET state = 'sent' WHERE message_id = ? AND state = 'held'`, messageId);
    return this.#get(messageId)?.state === "cancelled" ? "cancelled" : "send";
  }
}
