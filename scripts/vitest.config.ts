import { defineProject } from "vitest/config";

// The repository's own tools (scripts/): pure Node, no servers.
export default defineProject({
  test: {
    name: "scripts",
    root: "..",
    include: ["scripts/**/*.test.ts"],
    environment: "node",
  },
});
