import { defineProject } from "vitest/config";

// The store's tests again with shards, directory and queue on sqld, the libSQL server (a primary and a
// replica per database, started by each file through test/support/shard-backend.ts), besides the
// embedded `file:` databases of the core project. Only tests that open databases through that helper.
export default defineProject({
  test: {
    name: "core-sqld",
    root: "..",
    include: ["core/src/store/*.test.ts", "core/src/search/search.test.ts", "core/src/**/*.sqld.test.ts"],
    // Pure functions, and migrations of old shard files (written as files by test/support/old-shard.ts).
    exclude: ["core/src/store/rendezvous.test.ts", "core/src/store/thread-keys.test.ts", "core/src/store/thread-migration.test.ts"],
    env: { TEST_SHARD_SERVER: "sqld" },
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
