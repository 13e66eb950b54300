// The directory: which domains this service hosts, which addresses exist, and where each user lives
// (home region and shard). It is global, unlike the shards: one database, replicated for reads.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const domains = sqliteTable("domains", {
  name: text("name").primaryKey(),
  createdAt: integer("created_at").notNull(),
});

/** `example.org` → `example.test`: every address at the alias domain reaches the same-named one at the target. */
export const domainAliases = sqliteTable("domain_aliases", {
  alias: text("alias").primaryKey(),
  target: text("target")
    .notNull()
    .references(() => domains.name, { onDelete: "cascade" }),
  createdAt: integer("created_at").notNull(),
});

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  address: text("address").notNull().unique(),
  domain: text("domain")
    .notNull()
    .references(() => domains.name),
  passwordHash: text("password_hash").notNull(),
  region: text("region").notNull(),
  shard: text("shard").notNull(),
  createdAt: integer("created_at").notNull(),
  /** Set while the user's mailbox is moved (`region/shard` of the target, mailbox-move/): this region's
   * MX defers their mail (450) and the API refuses writes (503) until the directory points there. */
  movingTo: text("moving_to"),
});

/** An extra address delivering to a user, like Postfix's virtual_alias_maps with one target. */
export const aliases = sqliteTable("aliases", {
  address: text("address").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: integer("created_at").notNull(),
});

/** The DKIM signing key of a hosted domain (`npm run cli -- domain dkim <domain>`). */
export const dkimKeys = sqliteTable("dkim_keys", {
  domain: text("domain")
    .primaryKey()
    .references(() => domains.name, { onDelete: "cascade" }),
  selector: text("selector").notNull(),
  privateKey: text("private_key").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** The region's global spam model, trained by every user's reports: token (hash) → messages counted.
 * The pipeline keeps it in memory and reads rows changed since its last look (updated_at). */
export const spamModel = sqliteTable(
  "spam_model",
  {
    token: integer("token").primaryKey(),
    spam: integer("spam").notNull().default(0),
    ham: integer("ham").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("spam_model_by_update").on(t.updatedAt)],
);

/** The global model's totals: how many messages were trained as spam and as ham (one row, id 1). */
export const spamTotals = sqliteTable("spam_totals", {
  id: integer("id").primaryKey(),
  nspam: integer("nspam").notNull().default(0),
  nham: integer("nham").notNull().default(0),
  updatedAt: integer("updated_at").notNull(),
});

/** Shards added to the region's map while it runs (`npm run cli -- shard add`), beyond the seed every
 * core is configured with (SHARDS / SHARD_COUNT). Only appended to: every isolate of every core reads
 * the rows past the last `seq` it saw (a range of the rowid) every few seconds, and opens them. */
export const shardMap = sqliteTable("shard_map", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  url: text("url").notNull().unique(),
  replicaUrl: text("replica_url"),
  addedAt: integer("added_at").notNull(),
});

/** What each running isolate of the region's cores has opened of shard_map (the highest `seq`), and
 * when it last said so: `shard add` waits until every isolate heard from lately has the new shard. */
export const shardMapReaders = sqliteTable("shard_map_readers", {
  reader: text("reader").primaryKey(),
  seq: integer("seq").notNull(),
  seenAt: integer("seen_at").notNull(),
  /** Its SHARD_MAP_POLL: how soon it is due again, so how long its silence may last before it counts as gone. */
  pollMs: integer("poll_ms").notNull(),
});

export const directorySchema = { domains, domainAliases, users, aliases, dkimKeys, spamModel, spamTotals, shardMap, shardMapReaders };
