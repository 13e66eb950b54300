import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes the SQL migrations every shard runs at start-up.
export default defineConfig({
  dialect: "sqlite",
  schema: "./core/src/store/shard-schema.ts",
  out: "./migrations/shard",
});
