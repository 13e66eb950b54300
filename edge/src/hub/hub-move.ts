// Moving a user's hub to their new home region's jurisdiction (after `user move --region`): the old
// hub's durable state is copied as rows, table by table, into the new hub, checked there, and only then
// erased from the old one, which keeps a tombstone (hub_meta moved_to = the region: a region name is not
// personal data) that the worker follows (middleware/auth.ts). Rows, not objects: the tables already
// are the state, so a column added by a later release moves without this file knowing it.
// Not moved: the nonces of signed requests (replay protection of the old object only), the in-memory
// inbox head and the core's seq (the new hub starts from the new core's head), the recent event log
// (its cursors count the old core's events, and the new hub may have logged the new core's since the
// switch: a listener's old cursor gets a resync, as after any gap), and held sends still
// owed to the core: while one is, the move is refused (the CLI waits), since its body may sit in the
// old region's bucket and the alarm that sends it belongs to the old object.

import type { HubState } from "../hub-types.ts";

/** The user-owned tables, in an order that needs no foreign keys. Held sends nothing is owed on (kept a
 * day so a retried send finds its first answer) move too. */
export const MOVED_TABLES = [
  "sessions",
  "password_failures",
  "api_keys",
  "logins",
  "security_events",
  "webhooks",
  "webhook_outbox",
  "user_settings",
  "held_sends",
] as const;

/** Columns the new hub numbers itself (AUTOINCREMENT): its own rows may have taken the old numbers. */
const RENUMBERED: Partial<Record<(typeof MOVED_TABLES)[number], string>> = { security_events: "id" };

/** hub_meta keys that move; `region` is set to the new one, `core_seq` belongs to the old core. */
const MOVED_META = ["user_id", "address"] as const;

type Row = Record<string, SqlStorageValue>;

/** Held sends still owed to the core (the alarm has not handed them over yet). */
export function owedSends(sql: SqlStorage): number {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM held_sends WHERE next_at IS NOT NULL`).one().n;
}

/** The hub's state as rows (in rowid order, so the same state always reads the same). */
export function readState(sql: SqlStorage, meta: (key: string) => string | null): HubState {
  const tables: Record<string, Row[]> = {};
  for (const table of MOVED_TABLES) {
    const drop = RENUMBERED[table];
    tables[table] = sql.exec<Row>(`SELECT * FROM ${table} ORDER BY rowid`).toArray().map((row) => {
      if (drop) delete row[drop];
      return row;
    });
  }
  const kept: Record<string, string> = {};
  for (const key of MOVED_META) {
    const value = meta(key);
    if (value !== null) kept[key] = value;
  }
  return { meta: kept, tables };
}

/** Writes the rows into this hub; a row of the same key (a session id, a key id) is replaced by the
 * moved one. Rows without a key of their own (logins, security activity) would be written twice by a
 * second import: the hub imports a digest once (MailboxHub.importMovedState). */
export function writeState(sql: SqlStorage, state: HubState): number {
  let rows = 0;
  for (const table of MOVED_TABLES) {
    for (const row of state.tables[table] ?? []) {
      const columns = Object.keys(row);
      if (columns.length === 0) continue;
      sql.exec(`INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => row[c]));
      rows++;
    }
  }
  return rows;
}

/** The rows of `expected` this hub does not hold exactly (0: the copy is complete). */
export function missingRows(sql: SqlStorage, expected: HubState): number {
  const held = readState(sql, () => null);
  let missing = 0;
  for (const table of MOVED_TABLES) {
    const here = new Set((held.tables[table] ?? []).map((r) => canonical(r)));
    for (const row of expected.tables[table] ?? []) if (!here.has(canonical(row))) missing++;
  }
  return missing;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value instanceof ArrayBuffer) return `bytes:${[...new Uint8Array(value)].join(",")}`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether two reads of the state are the same. */
export function sameState(a: HubState, b: HubState): boolean {
  return canonical(a) === canonical(b);
}

/** Empties every table of the hub, in one synchronous run: no request of the object can come in between
 * (storage.deleteAll() is awaited, and a sign-in landing during it would be lost or left behind). */
export function eraseRows(sql: SqlStorage): void {
  const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`).toArray();
  for (const { name } of tables) sql.exec(`DELETE FROM "${name.replace(/"/g, '""')}"`);
}

/** A fingerprint of the state: the old hub erases itself only if it still holds what was copied. */
export async function digestOf(state: HubState): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical(state)));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
