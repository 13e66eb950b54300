// Sends the service holds before they go out ("undo send"), in the user's Durable Object: the row and
// the message (inline, or the R2 key where the edge put a large one) are written in one statement
// before the API answers 202, so the send is as durable as this object's storage — under `npm start`
// too, whose emulated queues live in memory. The object's alarm hands each due send to the core
// (held-delivery.ts); `next_at` is when a send is next owed to the core (null: nothing owed).
// A cancel and the alarm's claim each change the row in one synchronous statement of the object, so
// exactly one of them wins: a cancel after the claim is "sent", a claim after the cancel is "cancelled".
// A claimed send is owed until the core has taken it (the core takes each message id once, so a retry
// after a lost answer sends nothing twice); only then is its body dropped. Rows nothing is owed on go
// a day after their sendAt; until then a retried request (same Idempotency-Key) finds its first one's.
import type { HeldBody, HeldCancel, HeldSend, HeldState } from "../hub-types.ts";

interface HeldRow extends Record<string, SqlStorageValue> {
  state: string;
  send_at: number;
  recipients: number;
}

interface OwedRow extends Record<string, SqlStorageValue> {
  message_id: string;
  state: string;
  region: string | null;
  body: string | null;
  body_key: string | null;
  attempts: number;
  refused: string | null;
}

/** A send owed to the core now: its submission (or where it is), or a refusal still to be recorded. */
export interface OwedSend {
  messageId: string;
  /** "held" until the alarm claims it. */
  state: HeldState;
  region: string;
  body: string | null;
  bodyKey: string | null;
  /** Failed attempts so far. */
  attempts: number;
  /** The core refused it (or it kept failing): what remains owed is recording why. */
  refused: string | null;
}

const KEEP_MS = 86_400_000;

function addColumnWhereMissing(sql: SqlStorage, column: string, type: string): void {
  if (!sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('held_sends')`).toArray().some((c) => c.name === column)) {
    sql.exec(`ALTER TABLE held_sends ADD COLUMN ${column} ${type}`);
  }
}

export class HeldSends {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS held_sends (message_id TEXT PRIMARY KEY, send_at INTEGER NOT NULL, state TEXT NOT NULL, recipients INTEGER NOT NULL DEFAULT 0)`);
    // Objects of older releases: rows made before a cancel gave the quota back count no recipients,
    // and rows made while the queue carried the message owe nothing here (next_at NULL).
    addColumnWhereMissing(sql, "recipients", "INTEGER NOT NULL DEFAULT 0");
    addColumnWhereMissing(sql, "region", "TEXT");
    addColumnWhereMissing(sql, "body", "TEXT");
    addColumnWhereMissing(sql, "body_key", "TEXT");
    addColumnWhereMissing(sql, "next_at", "INTEGER");
    addColumnWhereMissing(sql, "attempts", "INTEGER NOT NULL DEFAULT 0");
    addColumnWhereMissing(sql, "refused", "TEXT");
    sql.exec(`CREATE INDEX IF NOT EXISTS held_sends_next_at ON held_sends (next_at) WHERE next_at IS NOT NULL`);
  }

  #get(messageId: string): HeldSend | null {
    const row = this.#sql.exec<HeldRow>(`SELECT state, send_at, recipients FROM held_sends WHERE message_id = ?`, messageId).toArray()[0];
    return row ? { state: row.state as HeldState, sendAt: row.send_at, recipients: row.recipients } : null;
  }

  /** Records a send held until `sendAt` that reserved `recipients` of the daily quota, with what is to
   * be sent and the region of the core it goes to; one recorded already (a retried request) stays as it is, body and all. */
  hold(messageId: string, sendAt: number, recipients: number, region: string, owed: HeldBody, now = Date.now()): HeldSend {
    this.#sql.exec(`DELETE FROM held_sends WHERE send_at < ? AND next_at IS NULL`, now - KEEP_MS);
    this.#sql.exec(
      `INSERT INTO held_sends (message_id, send_at, state, recipients, region, body, body_key, next_at) VALUES (?, ?, 'held', ?, ?, ?, ?, ?)
       ON CONFLICT (message_id) DO NOTHING`,
      messageId,
      sendAt,
      recipients,
      region,
      owed.submission ?? null,
      owed.bodyKey ?? null,
      sendAt,
    );
    return this.#get(messageId)!;
  }

  /** Cancels a send still held (a cancelled one stays cancelled): what it is now, or null for none;
   * `release` is the recipients to give back to the quota and `bodyKey` the R2 object to remove, both
   * only for the call that cancelled it (so a cancel asked twice gives back once). */
  cancel(messageId: string): (HeldCancel & { bodyKey: string | null }) | null {
    const bodyKey = this.#sql.exec<{ body_key: string | null }>(`SELECT body_key FROM held_sends WHERE message_id = ? AND state = 'held'`, messageId).toArray()[0]?.body_key ?? null;
    const changed =
      this.#sql.exec(`UPDATE held_sends SET state = 'cancelled', body = NULL, body_key = NULL, next_at = NULL WHERE message_id = ? AND state = 'held'`, messageId).rowsWritten > 0;
    const held = this.#get(messageId);
    return held ? { state: held.state, release: changed ? held.recipients : 0, bodyKey: changed ? bodyKey : null } : null;
  }

  /** Takes a held send for sending: "cancelled" when the user cancelled it first, else "send" from now
   * on (asked again on every retry). Also what the outgoing queue's consumer asks for the sends an
   * older release put on the queue. */
  claim(messageId: string): "send" | "cancelled" {
    this.#sql.exec(`UPDATE held_sends SET state = 'sent' WHERE message_id = ? AND state = 'held'`, messageId);
    return this.#get(messageId)?.state === "cancelled" ? "cancelled" : "send";
  }

  /** The sends owed to the core by `now`, oldest first. */
  due(now: number, limit: number): OwedSend[] {
    return this.#sql
      .exec<OwedRow>(
        `SELECT message_id, state, region, body, body_key, attempts, refused FROM held_sends WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?`,
        now,
        limit,
      )
      .toArray()
      .map((r) => ({ messageId: r.message_id, state: r.state as HeldState, region: r.region ?? "", body: r.body, bodyKey: r.body_key, attempts: r.attempts, refused: r.refused }));
  }

  /** When a send is next owed to the core; null when none is. */
  nextDue(): number | null {
    return this.#sql.exec<{ at: number | null }>(`SELECT MIN(next_at) AS at FROM held_sends WHERE next_at IS NOT NULL`).one().at;
  }

  /** The core has it (or recorded why not): nothing is owed any more. */
  done(messageId: string): void {
    this.#sql.exec(`UPDATE held_sends SET body = NULL, body_key = NULL, next_at = NULL, refused = NULL WHERE message_id = ?`, messageId);
  }

  /** An attempt is under way: should it never finish (the process died), it is owed again at `until`;
   * meanwhile no other run takes it. */
  lease(messageId: string, until: number): void {
    this.#sql.exec(`UPDATE held_sends SET next_at = ? WHERE message_id = ?`, until, messageId);
  }

  /** An attempt failed: try again at `at`. */
  retryAt(messageId: string, at: number): void {
    this.#sql.exec(`UPDATE held_sends SET attempts = attempts + 1, next_at = ? WHERE message_id = ?`, at, messageId);
  }

  /** It will not be sent (the core refused it, or it kept failing): what is owed now is recording `reason`. */
  refuse(messageId: string, reason: string, now: number): void {
    this.#sql.exec(`UPDATE held_sends SET refused = ?, body = NULL, attempts = 0, next_at = ? WHERE message_id = ?`, reason, now, messageId);
  }
}
