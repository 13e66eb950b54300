// The limits of heap-limits.ts: the scripts that start a core carry them, and a Worker
// started with WORKER_RESOURCE_LIMITS keeps its new space within it under a load of short-lived objects
// (without the limit, V8 grows it to 64–128 MiB on a large host).
import { readFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { CORE_ENV, CORE_NODE_FLAGS, SEMI_SPACE_MB, WORKER_RESOURCE_LIMITS } from "./heap-limits.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("heap limits", () => {
  it("npm start and npm run core start node with the core's environment and flags", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of ["start", "core"]) {
      const words = scripts[name]!.split(/\s+/);
      const node = words.indexOf("node");
      expect(Object.fromEntries(words.slice(0, node).map((w) => w.split("=") as [string, string]))).toEqual(CORE_ENV);
      expect(words.slice(node + 1, words.findIndex((w) => w.endsWith(".ts")))).toEqual(CORE_NODE_FLAGS);
    }
  });

  it("a worker with WORKER_RESOURCE_LIMITS keeps its new space to two semi-spaces", { timeout: 30_000 }, async () => {
    const churn = `
      const { getHeapSpaceStatistics } = require("node:v8");
      const { parentPort } = require("node:worker_threads");
      let keep = [];
      let most = 0;
      for (let i = 0; i < 3e6; i++) {
        keep.push({ i, s: "x" + i });
        if (keep.length > 2e5) keep = [];
        if (i % 1e5 === 0) most = Math.max(most, getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
      }
      parentPort.postMessage(most);`;
    const run = (resourceLimits?: typeof WORKER_RESOURCE_LIMITS) =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(churn, { eval: true, resourceLimits });
        worker.once("message", (most: number) => void worker.terminate().then(() => resolve(most / 1048576)));
        worker.once("error", reject);
      });
    const limited = await run(WORKER_RESOURCE_LIMITS);
    // A page or so over the two semi-spaces is V8's rounding, not growth.
    expect(limited).toBeLessThanOrEqual(2 * SEMI_SPACE_MB + 2);
    expect(limited).toBeGreaterThan(0);
  });
});
