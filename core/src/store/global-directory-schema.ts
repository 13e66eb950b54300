// The global directory: the one store every region reads, holding pointers only. An address is written
// here as a keyed hash (shared/address-pointer.ts), never in the clear, with its home region: the
// address, the user's id and everything else of theirs stay in the home region's own directory and
// shards. Domains are not personal data: which regions serve each one is kept by name.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const addressHomes = sqliteTable("address_homes", {
  /** addressPointer(secret, normalised address): a user's address or one of their aliases. */
  pointer: text("pointer").primaryKey(),
  region: text("region").notNull(),
  /** Set while the user is being moved to another region: mail for them is deferred (4xx) meanwhile. */
  movingTo: text("moving_to"),
  updatedAt: integer("updated_at").notNull(),
});

export const domainRegions = sqliteTable(
  "domain_regions",
  {
    domain: text("domain").notNull(),
    region: text("region").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.domain, t.region] })],
);

export const globalDirectorySchema = { addressHomes, domainRegions };
