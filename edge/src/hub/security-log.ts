// The user's recent security activity, in their Durable Object's storage (shared/security.ts): kept
// 90 days, as Gmail keeps its "Recent security activity", and never more than MAX_ROWS, so a flood of
// blocked sign-ins cannot grow storage without bound.
import { SECURITY_EVENTS_KEEP_MS, type SecurityEvent, type SecurityEventDataOf, type SecurityEventType } from "../../../shared/security.ts";

const MAX_ROWS = 1000;
/** What GET /security/events lists, newest first. */
export const SECURITY_EVENTS_LISTED = 200;

interface Row extends Record<string, SqlStorageValue> {
  at: number;
  type: string;
  data: string;
}

export class SecurityLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS security_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)`);
  }

  record<T extends SecurityEventType>(type: T, data: SecurityEventDataOf<T>, at = Date.now()): void {
    this.#sql.exec(`INSERT INTO security_events (at, type, data) VALUES (?, ?, ?)`, at, type, JSON.stringify(data));
    this.#sql.exec(`DELETE FROM security_events WHERE at < ?`, Date.now() - SECURITY_EVENTS_KEEP_MS);
    this.#sql.exec(`DELETE FROM security_events WHERE id <= (SELECT MAX(id) FROM security_events) - ?`, MAX_ROWS);
  }

  /** Newest first (by when it happened; ties in the order recorded). */
  recent(now = Date.now()): SecurityEvent[] {
    return this.#sql
      .exec<Row>(`SELECT at, type, data FROM security_events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?`, now - SECURITY_EVENTS_KEEP_MS, SECURITY_EVENTS_LISTED)
      .toArray()
      .map((r) => ({ type: r.type, at: new Date(r.at).toISOString(), data: JSON.parse(r.data) }) as SecurityEvent);
  }
}
