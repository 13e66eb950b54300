// The network between the seeded core and the worker under test. Inside the vitest pool the worker
// has no address a Node process can reach, so the core (EDGE_URL) posts its signed event batches
// here; tests fetch them and hand them, byte for byte with their signature headers, to SELF.
// It also sends mail into the core over real SMTP for tests in workerd, which cannot open a socket
// to a Node SMTP client library, and puts bytes into the core's blob store (in production both tiers
// share one bucket; the pool's workerd has a bucket of its own).
import http from "node:http";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { openBlobStore, type BlobConfig } from "../../core/src/store/open-blobs.ts";

export interface CapturedRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function startCoreRelay(): Promise<{ url: string; setSmtpPort(port: number): void; setBlobs(config: BlobConfig): void; close(): Promise<void> }> {
  const captured: CapturedRequest[] = [];
  let smtpPort = 0;
  let blobs: BlobConfig | null = null;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const body = bytes.toString("utf8");
    const url = new URL(req.url ?? "/", "http://relay");
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (req.method === "POST" && url.pathname.startsWith("/internal/")) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && (k.startsWith("x-edgemail-") || k === "content-type")) headers[k] = v;
      captured.push({ index: captured.length, method: "POST", path: url.pathname + url.search, headers, body });
      return reply(200, { relayed: true });
    }
    if (req.method === "GET" && url.pathname === "/captured") {
      const after = Number(url.searchParams.get("after") ?? "-1");
      return reply(200, captured.filter((c) => c.index > after));
    }
    if (req.method === "POST" && url.pathname === "/smtp") {
      const mail = JSON.parse(body) as { from: string; to: string; subject: string; text: string; messageId?: string; inReplyTo?: string; references?: string };
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail(mail);
        return reply(200, { response: info.response, at: Date.now() });
      } catch (err) {
        return reply(502, { error: String(err) });
      } finally {
        transport.close();
      }
    }
    if (req.method === "PUT" && url.pathname === "/blob") {
      await openBlobStore(blobs!).put(url.searchParams.get("key")!, bytes);
      return reply(200, { stored: bytes.length });
    }
    reply(404, { error: "no such relay path" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setSmtpPort: (p) => {
      smtpPort = p;
    },
    setBlobs: (config) => {
      blobs = config;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
