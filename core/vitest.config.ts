import { configDefaults, defineProject } from "vitest/config";

// Core and shared code under Node: real sockets, real libSQL files, local R2 through wrangler. Also the
// edge's `*.node.test.ts`: checks of runtime-neutral edge modules that need Node (wrangler, ajv), and
// the webmail's pure modules (no DOM) checked against the shared schemas.
export default defineProject({
  test: {
    name: "core",
    root: "..",
    include: ["core/src/**/*.test.ts", "shared/**/*.test.ts", "edge/src/**/*.node.test.ts", "web/src/**/*.test.ts"],
    // Tests of sqld's failures need sqld whatever the backend: they run in the core-sqld project only.
    exclude: [...configDefaults.exclude, "core/src/**/*.sqld.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own core (and a workerd for local R2); two at a time fit two cores.
    maxWorkers: 2,
  },
});
