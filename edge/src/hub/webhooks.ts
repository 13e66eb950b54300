// A user's webhooks, in their Durable Object's storage, and the outbox of deliveries owed to them.
// A delivery is written to the outbox in the same storage transaction that appends its event to the
// log, then handed to the webhooks queue; rows leave the outbox only once the queue holds them. So a
// crash between the two loses nothing, and a core's retry (whose seq the hub already has) does not
// enqueue twice.
import type { WebhookInfo } from "../../../shared/api.ts";
import type { ClientEvent } from "../../../shared/events.ts";
import type { WebhookDelivery } from "../webhooks/delivery.ts";

interface HookRow extends Record<string, SqlStorageValue> {
  id: string;
  url: string;
  events: string;
  secret: string;
  created_at: number;
}

/** A user may register this many webhooks. */
export const MAX_WEBHOOKS = 10;

function info(row: HookRow): WebhookInfo {
  return { id: row.id, url: row.url, events: JSON.parse(row.events), createdAt: new Date(row.created_at).toISOString() };
}

export class Webhooks {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS webhook_outbox (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
  }

  count(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM webhooks`).one().n;
  }

  create(url: string, events: string[], secret: string, now = Date.now()): WebhookInfo & { secret: string } {
    const id = crypto.randomUUID();
    this.#sql.exec(`INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`, id, url, JSON.stringify(events), secret, now);
    return { id, url, events: events as WebhookInfo["events"], createdAt: new Date(now).toISOString(), secret };
  }

  list(): WebhookInfo[] {
    return this.#sql.exec<HookRow>(`SELECT * FROM webhooks ORDER BY created_at`).toArray().map(info);
  }

  remove(id: string): boolean {
    return this.#sql.exec(`DELETE FROM webhooks WHERE id = ?`, id).rowsWritten > 0;
  }

  /** Removes every webhook, and the deliveries still owed to them; returns how many webhooks. */
  removeAll(): number {
    this.#sql.exec(`DELETE FROM webhook_outbox`);
    return this.#sql.exec(`DELETE FROM webhooks`).rowsWritten;
  }

  /** Puts a delivery into the outbox for every webhook that wants one of `events`. */
  stage(userId: string, events: ClientEvent[]): number {
    const hooks = this.#sql.exec<HookRow>(`SELECT * FROM webhooks`).toArray();
    let staged = 0;
    for (const hook of hooks) {
      const wanted = new Set(JSON.parse(hook.events) as string[]);
      for (const event of events) {
        if (!wanted.has(event.type)) continue;
        const delivery: WebhookDelivery = { deliveryId: `msg_${crypto.randomUUID()}`, userId, webhookId: hook.id, url: hook.url, secret: hook.secret, event };
        this.#sql.exec(`INSERT INTO webhook_outbox (delivery_id, body) VALUES (?, ?)`, delivery.deliveryId, JSON.stringify(delivery));
        staged++;
      }
    }
    return staged;
  }

  pending(limit = 500): WebhookDelivery[] {
    return this.#sql.exec<{ body: string }>(`SELECT body FROM webhook_outbox LIMIT ?`, limit).toArray().map((r) => JSON.parse(r.body) as WebhookDelivery);
  }

  sent(deliveryIds: string[]): void {
    for (const id of deliveryIds) this.#sql.exec(`DELETE FROM webhook_outbox WHERE delivery_id = ?`, id);
  }
}
