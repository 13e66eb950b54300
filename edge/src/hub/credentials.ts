// A user's credentials at the edge, in their Durable Object's storage: password sessions (so a
// token can be revoked before it expires: logout, "sign out everywhere") and integrators' API keys
// (hashed, scoped, revocable). The Durable Object is the single authority for its user, so a
// revocation takes effect on the very next request everywhere.
import type { ApiKeyCreate, ApiKeyInfo, Scope } from "../../../shared/api.ts";
import { constantTimeEqual, utf8 } from "../../../shared/encoding.ts";
import { hashApiKey, newApiKey } from "../api-key.ts";

interface KeyRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  scopes: string;
  prefix: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

/** last_used_at is written at most this often, so a busy key does not write on every request. */
const LAST_USED_GRANULARITY_MS = 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function info(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    prefix: row.prefix,
    createdAt: iso(row.created_at)!,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
  };
}

export class Credentials {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, prefix TEXT NOT NULL, hash TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS password_failures (session_id TEXT PRIMARY KEY, failures INTEGER NOT NULL)`);
  }

  // ── sessions ──

  addSession(id: string, expiresAt: number, now = Date.now()): void {
    this.#sql.exec(`INSERT INTO sessions (id, created_at, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`, id, now, expiresAt);
    this.#sql.exec(`DELETE FROM sessions WHERE expires_at < ?`, now);
  }

  sessionValid(id: string, now = Date.now()): boolean {
    const row = this.#sql.exec<{ expires_at: number; revoked_at: number | null }>(`SELECT expires_at, revoked_at FROM sessions WHERE id = ?`, id).toArray()[0];
    return !!row && row.revoked_at === null && row.expires_at > now;
  }

  /** Revokes one session, or every session of the user when `id` is null. Returns how many. */
  revokeSessions(id: string | null, now = Date.now()): number {
    const cursor =
      id === null
        ? this.#sql.exec(`UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL`, now)
        : this.#sql.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id);
    return cursor.rowsWritten;
  }

  /** Revokes every live session but `keep` (the one changing the password); returns their ids, so
   * their open connections can be closed. */
  revokeSessionsExcept(keep: string | null, now = Date.now()): string[] {
    const live = this.#sql
      .exec<{ id: string }>(`SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?`, now)
      .toArray()
      .map((r) => r.id)
      .filter((id) => id !== keep);
    for (const id of live) this.#sql.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ?`, now, id);
    return live;
  }

  /** Counts a wrong current password given by a session (changing the password); returns how many it
   * has given. Sessions that expired take their counts with them. */
  countPasswordFailure(sessionId: string, now = Date.now()): number {
    this.#sql.exec(`DELETE FROM password_failures WHERE session_id NOT IN (SELECT id FROM sessions WHERE expires_at > ?)`, now);
    return this.#sql
      .exec<{ failures: number }>(
        `INSERT INTO password_failures (session_id, failures) VALUES (?, 1) ON CONFLICT (session_id) DO UPDATE SET failures = failures + 1 RETURNING failures`,
        sessionId,
      )
      .one().failures;
  }

  // ── API keys ──

  async createKey(userId: string, region: string, input: ApiKeyCreate, now = Date.now()): Promise<ApiKeyInfo & { key: string }> {
    const { key, keyId, prefix } = newApiKey(userId, region);
    const expiresAt = input.expiresIn ? now + input.expiresIn * 1000 : null;
    const scopes = [...new Set(input.scopes)].sort();
    this.#sql.exec(
      `INSERT INTO api_keys (id, name, scopes, prefix, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      keyId, input.name, JSON.stringify(scopes), prefix, await hashApiKey(key), now, expiresAt,
    );
    return { id: keyId, name: input.name, scopes, prefix, createdAt: iso(now)!, expiresAt: iso(expiresAt), lastUsedAt: null, key };
  }

  listKeys(): ApiKeyInfo[] {
    return this.#sql.exec<KeyRow>(`SELECT * FROM api_keys ORDER BY created_at DESC`).toArray().map(info);
  }

  revokeKey(id: string): boolean {
    return this.#sql.exec(`DELETE FROM api_keys WHERE id = ?`, id).rowsWritten > 0;
  }

  /** The scopes of key `id` while it lives (not revoked, not expired), else null. */
  keyScopes(id: string, now = Date.now()): Scope[] | null {
    const row = this.#sql.exec<{ scopes: string; expires_at: number | null }>(`SELECT scopes, expires_at FROM api_keys WHERE id = ?`, id).toArray()[0];
    return row && (row.expires_at === null || row.expires_at > now) ? (JSON.parse(row.scopes) as Scope[]) : null;
  }

  /** Revokes every key; returns their ids. */
  revokeAllKeys(): string[] {
    return this.#sql.exec<{ id: string }>(`DELETE FROM api_keys RETURNING id`).toArray().map((r) => r.id);
  }

  /** The key's scopes when `key` is a live key of this user, else null. */
  async checkKey(keyId: string, key: string, now = Date.now()): Promise<{ scopes: Scope[]; expiresAt: number | null } | null> {
    const row = this.#sql.exec<KeyRow>(`SELECT * FROM api_keys WHERE id = ?`, keyId).toArray()[0];
    if (!row || (row.expires_at !== null && row.expires_at <= now)) return null;
    if (!constantTimeEqual(utf8(await hashApiKey(key)), utf8(row.hash))) return null;
    if (row.last_used_at === null || now - row.last_used_at > LAST_USED_GRANULARITY_MS) {
      this.#sql.exec(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`, now, keyId);
    }
    return { scopes: JSON.parse(row.scopes) as Scope[], expiresAt: row.expires_at };
  }

  // ── nonces of signed internal requests addressed to this user ──

  /** False when the nonce was seen within the signature window (a replay). */
  acceptNonce(nonce: string, windowMs: number, now = Date.now()): boolean {
    this.#sql.exec(`DELETE FROM nonces WHERE at < ?`, now - 2 * windowMs);
    return this.#sql.exec(`INSERT INTO nonces (nonce, at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING`, nonce, now).rowsWritten > 0;
  }
}
