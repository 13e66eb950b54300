// Starts a real, seeded core for the edge tests running in workerd (see seeded-core.ts).
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startChild } from "../../test/support/process.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const child = startChild([path.join(import.meta.dirname, "seeded-core.ts")], {});
  const [, json] = await child.waitFor(/READY (\{.*\})\n/);
  const { coreUrl, signingSecret } = JSON.parse(json!) as { coreUrl: string; signingSecret: string };
  project.provide("coreUrl", coreUrl);
  project.provide("signingSecret", signingSecret);
  return async () => {
    child.kill("SIGTERM");
    await child.exited;
  };
}
