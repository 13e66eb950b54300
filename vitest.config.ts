import { defineConfig } from "vitest/config";

// Three projects, because the tiers run in different runtimes:
//  core — Node: real SMTP sockets, real libSQL files, local R2 (Miniflare in a child process) or s3rver.
//  edge — inside workerd (Cloudflare's vitest plugin), talking to a real core started in globalSetup.
//  e2e  — the whole system started as `npm start` starts it, driven from outside.
export default defineConfig({
  test: {
    projects: ["core/vitest.config.ts", "edge/vitest.config.ts", "test/vitest.config.ts"],
  },
});
