import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./core/src/store/directory-schema.ts",
  out: "./migrations/directory",
});
