// Nonces of signed internal requests in a libSQL database the cores of a region share (REPLAY_STORE_URL),
// for cores that the edge reaches by one origin (a load balancer in front of them): the signature's
// audience cannot tell them apart then, so a nonce one core took must be refused by the others. The
// first write of a nonce wins; a second gets nothing back. Rows outlive their signature window only until
// the next sweep.
//
// One table, made here if missing (CREATE TABLE IF NOT EXISTS): it holds nothing that outlives two
// minutes, so it has no migrations; it may live in a database of its own or beside the directory's tables.
import { createClient, type Client } from "@libsql/client";

const SWEEP_EVERY_MS = 60_000;

/** Where the cores of a region share the nonces: this libSQL table, or Redis (redis-nonces.ts). */
export interface ReplayNonceStore {
  /** True the first time any core offers `nonce` before `expiresAt`, false for a replay; throws when
   * the store cannot answer. */
  accept(nonce: string, expiresAt: number, now?: number): Promise<boolean>;
  close(): void;
}

export class SharedReplayNonces implements ReplayNonceStore {
  readonly #client: Client;
  #nextSweep = 0;

  private constructor(client: Client) {
    this.#client = client;
  }

  static async open(url: string, authToken?: string): Promise<SharedReplayNonces> {
    // timeout: SQLite's busy timeout, for `file:` databases that several processes of one host share.
    const client = createClient({ url, authToken, timeout: 10_000 });
    if (url.startsWith("file:")) await client.execute("PRAGMA journal_mode=WAL");
    await client.execute("CREATE TABLE IF NOT EXISTS replay_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID");
    return new SharedReplayNonces(client);
  }

  /** True the first time a nonce is offered by any core before `expiresAt`, false for a replay. One
   * statement, one round trip: an expired row is taken over, a live one is left and nothing returned. */
  async accept(nonce: string, expiresAt: number, now = Date.now()): Promise<boolean> {
    const result = await this.#client.execute({
      sql: "INSERT INTO replay_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_nonces.expires_at <= ? RETURNING nonce",
      args: [nonce, expiresAt, now],
    });
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + SWEEP_EVERY_MS;
      // Not awaited: the request does not wait for the cleanup; a failed sweep is retried at the next.
      this.#client.execute({ sql: "DELETE FROM replay_nonces WHERE expires_at <= ?", args: [now] }).catch(() => {});
    }
    return result.rows.length === 1;
  }

  close(): void {
    this.#client.close();
  }
}
