// Starts a real, seeded core for the edge tests running in workerd (see seeded-core.ts), with its
// event notifications going to the relay (core-relay.ts) that the tests forward to the worker.
import path from "node:path";
import type { TestProject } from "vitest/node";
import type { BlobConfig } from "../../core/src/store/open-blobs.ts";
import { startChild } from "../../test/support/process.ts";
import { startCoreRelay } from "./core-relay.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const relay = await startCoreRelay();
  const child = startChild([path.join(import.meta.dirname, "seeded-core.ts")], { EDGE_URL: relay.url });
  const [, json] = await child.waitFor(/READY (\{.*\})\n/);
  const { coreUrl, signingSecret, smtpPort, blobs, clamd } = JSON.parse(json!) as { coreUrl: string; signingSecret: string; smtpPort: number; blobs: BlobConfig; clamd: boolean };
  relay.setSmtpPort(smtpPort);
  relay.setBlobs(blobs);
  project.provide("coreUrl", coreUrl);
  project.provide("signingSecret", signingSecret);
  project.provide("relayUrl", relay.url);
  project.provide("clamd", clamd);
  return async () => {
    child.kill("SIGTERM");
    await child.exited;
    await relay.close();
  };
}
