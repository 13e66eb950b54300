import { defineProject } from "vitest/config";

// End-to-end: the system started the way `npm start` starts it, driven over its real ports.
export default defineProject({
  test: {
    name: "e2e",
    root: "..",
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 180_000,
    maxWorkers: 1,
  },
});
