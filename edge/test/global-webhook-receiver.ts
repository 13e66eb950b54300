// Starts the webhook receiver the edge tests deliver to (its paths: webhook-receiver.ts), in this
// Node process, on an ephemeral loopback port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import type { ReceivedRequest } from "./webhook-receiver.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const received = new Map<string, ReceivedRequest[]>();
  const calls = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const [, key = "", behaviour = ""] = path.split("/");
      if (req.method === "GET" && key === "_received") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(behaviour) ?? []));
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      received.set(key, [...(received.get(key) ?? []), { path, headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() }]);
      const n = (calls.get(path) ?? 0) + 1;
      calls.set(path, n);
      const [, name, arg] = /^([a-z]+)(?:-(\d+))?$/.exec(behaviour) ?? [];
      if (name === "ok") res.writeHead(200).end("thanks");
      else if (name === "fail") res.writeHead(n <= Number(arg) ? 500 : 200).end();
      else if (name === "gone") res.writeHead(410).end();
      else if (name === "slow") setTimeout(() => res.writeHead(200).end(), Number(arg));
      else if (name === "redirect") res.writeHead(302, { location: `/${key}/ok` }).end();
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("webhookReceiverUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
}
