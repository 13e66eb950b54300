import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./core/src/store/queue-schema.ts",
  out: "./migrations/queue",
});
