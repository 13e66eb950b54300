// The outbound delivery queue of one core node, as an MTA keeps one: a row per remote recipient of a
// sent message, with its state and retry schedule. Local to the node (like Postfix's queue), durable.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    /** The sender's message id (also its id in the sender's Sent folder). */
    messageId: text("message_id").notNull(),
    userId: text("user_id").notNull(),
    sender: text("sender").notNull(),
    recipient: text("recipient").notNull(),
    domain: text("domain").notNull(),
    /** queued → (deferred ↺) → delivered | bounced */
    state: text("state", { enum: ["queued", "deferred", "delivered", "bounced"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastReply: text("last_reply"),
    /** The host that gave the last reply. */
    lastHost: text("last_host"),
    rawKey: text("raw_key").notNull(),
    rawOffset: integer("raw_offset").notNull(),
    rawLength: integer("raw_length").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("deliveries_by_message_recipient").on(t.messageId, t.recipient),
    index("deliveries_due").on(t.state, t.nextAttemptAt),
    // A bounce to an SRS address of the old format is accepted only if a forward left with it as
    // its sender (compared without case, as MTAs fold it): the MX looks it up here.
    index("deliveries_by_sender").on(sql`lower(${t.sender})`),
  ],
);

/** Messages that failed basic validation before they could be sent (the `outgoing-errors` queue). */
export const queueErrors = sqliteTable("queue_errors", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  messageId: text("message_id").notNull(),
  reason: text("reason").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const queueSchema = { deliveries, queueErrors };
