// Starts the DNS-over-HTTPS server the edge tests resolve webhook hosts with (its zones:
// webhook-dns.ts), in this Node process, on an ephemeral loopback port.
import type { TestProject } from "vitest/node";
import { startDohServer } from "../../test/support/doh-server.ts";
import { webhookZones } from "./webhook-dns.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startDohServer(webhookZones);
  project.provide("dohUrl", server.url);
  return () => server.close();
}
