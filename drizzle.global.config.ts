import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./core/src/store/global-directory-schema.ts",
  out: "./migrations/global",
});
