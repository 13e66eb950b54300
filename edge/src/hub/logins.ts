// Sign-ins of a user, as the suspicious-login protection needs them: every password login is kept
// (90 days) with where it came from (Cloudflare's `cf` data: country and autonomous system), and
// one from a country or network not seen before is flagged, so the user is told (security.login).
import type { EventDataOf } from "../../../shared/events.ts";
import type { LoginOrigin, LoginRecord } from "../hub-types.ts";

const KEEP_MS = 90 * 86_400_000;

interface Row extends Record<string, SqlStorageValue> {
  at: number;
  session_id: string;
  ip: string;
  country: string | null;
  asn: number | null;
  network: string | null;
  user_agent: string | null;
  new_location: number;
}

export class Logins {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS logins (at INTEGER NOT NULL, session_id TEXT NOT NULL, ip TEXT NOT NULL, country TEXT, asn INTEGER,
      network TEXT, user_agent TEXT, new_location INTEGER NOT NULL)`);
  }

  /** Records a login; the event data says whether it came from somewhere new. The very first
   * login has nothing to compare with and is not flagged. */
  record(sessionId: string, origin: LoginOrigin, now = Date.now()): EventDataOf<"security.login"> {
    this.#sql.exec(`DELETE FROM logins WHERE at < ?`, now - KEEP_MS);
    const previous = this.#sql.exec<{ n: number; country: number; asn: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(country IS ?), 0) AS country, COALESCE(SUM(asn IS ?), 0) AS asn FROM logins`,
      origin.country,
      origin.asn,
    ).one();
    const newLocation = previous.n > 0 && (previous.country === 0 || previous.asn === 0);
    this.#sql.exec(
      `INSERT INTO logins (at, session_id, ip, country, asn, network, user_agent, new_location) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      now, sessionId, origin.ip, origin.country, origin.asn, origin.network, origin.userAgent, newLocation ? 1 : 0,
    );
    return { ...origin, newLocation, via: "password" };
  }

  recent(limit = 50): LoginRecord[] {
    return this.#sql
      .exec<Row>(`SELECT * FROM logins ORDER BY at DESC LIMIT ?`, limit)
      .toArray()
      .map((r) => ({
        at: new Date(r.at).toISOString(),
        sessionId: r.session_id,
        ip: r.ip,
        country: r.country,
        asn: r.asn,
        network: r.network,
        userAgent: r.user_agent,
        newLocation: r.new_location === 1,
      }));
  }
}
