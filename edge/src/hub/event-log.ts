// The events a user's Durable Object hands out, in its SQLite storage: each gets the next cursor
// (AUTOINCREMENT, so a cursor is never reused even after pruning). Retained: the last RETAIN_EVENTS
// events and anything younger than RETAIN_MS, whichever is more; a client asking from before that
// gets a `resync` instead of a silent gap.
import type { ClientEvent, EventDataOf, EventType } from "../../../shared/events.ts";

export const RETAIN_EVENTS = 1000;
export const RETAIN_MS = 24 * 3600_000;
/** A hard ceiling, so a burst within 24 hours cannot grow storage without bound. */
const MAX_EVENTS = 20_000;

export type Replay = { events: ClientEvent[]; resync: null } | { events: []; resync: "cursor-too-old" | "unknown-cursor" };

interface Row extends Record<string, SqlStorageValue> {
  cursor: number;
  at: number;
  type: string;
  data: string;
}

function toEvent(row: Row): ClientEvent {
  return { cursor: row.cursor, type: row.type as EventType, at: new Date(row.at).toISOString(), data: JSON.parse(row.data) };
}

export class EventLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS events (cursor INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS event_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  /** The cursor of the newest event ever handed out (0 before the first). */
  latest(): number {
    const row = this.#sql.exec<{ value: number }>(`SELECT value FROM event_meta WHERE key = 'latest'`).toArray()[0];
    return row?.value ?? 0;
  }

  append<T extends EventType>(type: T, data: EventDataOf<T>, at = Date.now()): ClientEvent<T> {
    const row = this.#sql.exec<{ cursor: number }>(`INSERT INTO events (at, type, data) VALUES (?, ?, ?) RETURNING cursor`, at, type, JSON.stringify(data)).one();
    this.#sql.exec(`INSERT INTO event_meta (key, value) VALUES ('latest', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, row.cursor);
    return { cursor: row.cursor, type, at: new Date(at).toISOString(), data };
  }

  /** Events after `since`, oldest first, or why the client must resync. */
  since(since: number, limit = RETAIN_EVENTS): Replay {
    const latest = this.latest();
    if (since > latest) return { events: [], resync: "unknown-cursor" };
    if (since === latest) return { events: [], resync: null };
    const oldest = this.#sql.exec<{ cursor: number | null }>(`SELECT MIN(cursor) AS cursor FROM events`).one().cursor;
    // Something after `since` is gone when the oldest retained event is not the very next one.
    if (oldest === null || oldest > since + 1) return { events: [], resync: "cursor-too-old" };
    const rows = this.#sql.exec<Row>(`SELECT cursor, at, type, data FROM events WHERE cursor > ? ORDER BY cursor LIMIT ?`, since, limit).toArray();
    return { events: rows.map(toEvent), resync: null };
  }

  prune(now = Date.now()): void {
    const latest = this.latest();
    this.#sql.exec(`DELETE FROM events WHERE cursor <= ? AND at < ?`, latest - RETAIN_EVENTS, now - RETAIN_MS);
    this.#sql.exec(`DELETE FROM events WHERE cursor <= ?`, latest - MAX_EVENTS);
  }
}
