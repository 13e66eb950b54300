// A user's webhooks, in their Durable Object's storage, and the outbox of deliveries owed to them.
// A delivery is written to the outbox in the same storage transaction that appends its event to the
// log, and stays there until its endpoint took it (or the consumer gave up): the hub's alarm delivers
// it (hub/webhook-run.ts), and a failed attempt only moves its `next_at`. So a crash at any moment
// loses nothing (an attempt under way when it came is made again: endpoints see at-least-once, with
// the same webhook-id), and a core's retry (whose seq the hub already has) stages nothing twice.
// Not through a queue: `npm start`'s emulated queues keep messages in memory, and deliveries waiting
// out an endpoint's outage there were lost on every restart.
// Each webhook belongs to who made it: the user (a password session) or one API key. A key sees and
// removes only its own; its webhooks go with it, and deliver what a message says only if it may read
// mail (the hub decides that per delivery, from the key as it is then).
import type { WebhookInfo } from "../../../shared/api.ts";
import type { ClientEvent } from "../../../shared/events.ts";
import type { WebhookMaker } from "../hub-types.ts";
import type { WebhookDelivery } from "../queue-messages.ts";
import { eventFor } from "./event-view.ts";

/** A stored webhook as listed, before the hub names its maker. */
export type StoredWebhook = Omit<WebhookInfo, "createdBy" | "includesContent"> & { maker: WebhookMaker };

/** What a maker's webhooks may be sent: every event whole, events without message content, or
 * nothing because the maker is gone (an expired key): then the webhook is removed. */
export type MakerAccess = "content" | "notice" | "gone";

interface HookRow extends Record<string, SqlStorageValue> {
  id: string;
  url: string;
  events: string;
  secret: string;
  created_at: number;
  created_by_kind: string | null;
  created_by_id: string | null;
}

/** A user may register this many webhooks. */
export const MAX_WEBHOOKS = 10;

function makerOf(row: HookRow): WebhookMaker {
  if (row.created_by_kind === "user") return { kind: "user" };
  if (row.created_by_kind === "apiKey" && row.created_by_id) return { kind: "apiKey", id: row.created_by_id };
  return { kind: "unknown" };
}

function stored(row: HookRow): StoredWebhook {
  return { id: row.id, url: row.url, events: JSON.parse(row.events), createdAt: new Date(row.created_at).toISOString(), maker: makerOf(row) };
}

/** Adds a column to a table that objects of an older release already have (SQLite has no ADD COLUMN
 * IF NOT EXISTS); runs once per object. */
function addColumnWhereMissing(sql: SqlStorage, table: string, column: string, type: string): void {
  const has = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?`, table, column).one().n > 0;
  if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

export class Webhooks {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS webhook_outbox (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    // Rows of older releases are owed at once, as a first attempt.
    addColumnWhereMissing(sql, "webhook_outbox", "next_at", "INTEGER NOT NULL DEFAULT 0");
    addColumnWhereMissing(sql, "webhook_outbox", "attempts", "INTEGER NOT NULL DEFAULT 0");
    // Webhooks of deployed objects predate their makers: those rows keep NULL ("unknown").
    addColumnWhereMissing(sql, "webhooks", "created_by_kind", "TEXT");
    addColumnWhereMissing(sql, "webhooks", "created_by_id", "TEXT");
  }

  count(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM webhooks`).one().n;
  }

  create(url: string, events: string[], secret: string, maker: WebhookMaker, now = Date.now()): StoredWebhook & { secret: string } {
    const id = crypto.randomUUID();
    this.#sql.exec(
      `INSERT INTO webhooks (id, url, events, secret, created_at, created_by_kind, created_by_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      id, url, JSON.stringify(events), secret, now, maker.kind, maker.kind === "apiKey" ? maker.id : null,
    );
    return { id, url, events: events as WebhookInfo["events"], createdAt: new Date(now).toISOString(), maker, secret };
  }

  /** Every webhook of the user, or (`keyId`) only that API key's. */
  list(keyId: string | null = null): StoredWebhook[] {
    const rows =
      keyId === null
        ? this.#sql.exec<HookRow>(`SELECT * FROM webhooks ORDER BY created_at`)
        : this.#sql.exec<HookRow>(`SELECT * FROM webhooks WHERE created_by_kind = 'apiKey' AND created_by_id = ? ORDER BY created_at`, keyId);
    return rows.toArray().map(stored);
  }

  /** Removes a webhook and what is staged for it; with `keyId`, only if that key made it. */
  remove(id: string, keyId: string | null = null): boolean {
    const removed =
      keyId === null
        ? this.#sql.exec(`DELETE FROM webhooks WHERE id = ?`, id)
        : this.#sql.exec(`DELETE FROM webhooks WHERE id = ? AND created_by_kind = 'apiKey' AND created_by_id = ?`, id, keyId);
    if (removed.rowsWritten === 0) return false;
    this.#sql.exec(`DELETE FROM webhook_outbox WHERE json_extract(body, '$.webhookId') = ?`, id);
    return true;
  }

  /** Whether webhook `id` is still registered, at `url`. */
  has(id: string, url: string): boolean {
    return this.#sql.exec(`SELECT 1 FROM webhooks WHERE id = ? AND url = ?`, id, url).toArray().length > 0;
  }

  /** Removes every webhook an API key made (the key was revoked), with what is staged for them. */
  removeMadeBy(keyId: string): number {
    const ids = this.list(keyId).map((hook) => hook.id);
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  /** Removes every webhook, and the deliveries still owed to them; returns how many webhooks. */
  removeAll(): number {
    this.#sql.exec(`DELETE FROM webhook_outbox`);
    return this.#sql.exec(`DELETE FROM webhooks`).rowsWritten;
  }

  /** Puts a delivery into the outbox for every webhook that wants one of `events`, as its maker may
   * see it; the webhooks of a maker that is gone are removed instead. */
  stage(userId: string, events: ClientEvent[], access: (maker: WebhookMaker) => MakerAccess): number {
    const hooks = this.#sql.exec<HookRow>(`SELECT * FROM webhooks`).toArray();
    let staged = 0;
    for (const hook of hooks) {
      const allowed = access(makerOf(hook));
      if (allowed === "gone") {
        this.remove(hook.id);
        continue;
      }
      const wanted = new Set(JSON.parse(hook.events) as string[]);
      for (const event of events) {
        if (!wanted.has(event.type)) continue;
        // A webhook is an integrator's, never a password session: what the maker may see of it.
        const seen = eventFor(event, { readsMail: allowed === "content", session: false });
        if (!seen) continue;
        const delivery: WebhookDelivery = {
          deliveryId: `msg_${crypto.randomUUID()}`,
          userId,
          webhookId: hook.id,
          url: hook.url,
          secret: hook.secret,
          event: seen,
        };
        this.#sql.exec(`INSERT INTO webhook_outbox (delivery_id, body) VALUES (?, ?)`, delivery.deliveryId, JSON.stringify(delivery));
        staged++;
      }
    }
    return staged;
  }

  /** Every delivery still owed, due or not. */
  pending(limit = 500): WebhookDelivery[] {
    return this.#sql.exec<{ body: string }>(`SELECT body FROM webhook_outbox LIMIT ?`, limit).toArray().map((r) => JSON.parse(r.body) as WebhookDelivery);
  }

  /** The deliveries owed by `now`, oldest first, with the attempts made so far. */
  due(now: number, limit: number): { delivery: WebhookDelivery; attempts: number }[] {
    return this.#sql
      .exec<{ body: string; attempts: number }>(`SELECT body, attempts FROM webhook_outbox WHERE next_at <= ? ORDER BY next_at LIMIT ?`, now, limit)
      .toArray()
      .map((r) => ({ delivery: JSON.parse(r.body) as WebhookDelivery, attempts: r.attempts }));
  }

  /** When a delivery is next owed; null when none is. */
  nextDue(): number | null {
    return this.#sql.exec<{ at: number | null }>(`SELECT MIN(next_at) AS at FROM webhook_outbox`).one().at;
  }

  /** Attempts under way: should they never finish (the process died), they are owed again at `until`. */
  lease(deliveryIds: string[], until: number): void {
    for (const id of deliveryIds) this.#sql.exec(`UPDATE webhook_outbox SET next_at = ? WHERE delivery_id = ?`, until, id);
  }

  /** Delivered, or given up on: no longer owed. */
  settled(deliveryId: string): void {
    this.#sql.exec(`DELETE FROM webhook_outbox WHERE delivery_id = ?`, deliveryId);
  }

  /** An attempt failed: try again at `at`. */
  retryAt(deliveryId: string, at: number): void {
    this.#sql.exec(`UPDATE webhook_outbox SET attempts = attempts + 1, next_at = ? WHERE delivery_id = ?`, at, deliveryId);
  }
}
