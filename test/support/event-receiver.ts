// Stands where the edge's POST /internal/v1/events will be: an HTTP server on loopback that checks
// each request's signature with shared/signing.ts and records what it was given. It observes the
// core's pushes; it can answer an error status, or stop listening and come back on the same port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { CoreEvent, EventNotification } from "../../shared/events.ts";
import { audienceOf, verifyRequest } from "../../shared/signing.ts";
import { TEST_SECRET } from "./temp-core.ts";

export interface ReceivedPush {
  method: string;
  path: string;
  /** What verifyRequest said about the signature. */
  signature: string;
  status: number;
  body: EventNotification;
}

export interface EventReceiver {
  url: string;
  port: number;
  /** Every request, answered or not. */
  pushes: ReceivedPush[];
  /** Events of the requests answered 2xx, in arrival order. */
  accepted(): CoreEvent[];
  /** The status to answer from now on (default 200). */
  answer(status: number): void;
  /** Hold each answer this long (to keep a request in flight). */
  delay(ms: number): void;
  /** Resolves once `check` holds (polled). */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  restart(): Promise<void>;
}

export async function startEventReceiver(secret = TEST_SECRET, port = 0): Promise<EventReceiver> {
  let status = 200;
  let delayMs = 0;
  const pushes: ReceivedPush[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const headers = { get: (name: string) => (req.headers[name] as string | undefined) ?? null };
      const check = await verifyRequest(secret, [audienceOf(`http://${req.headers.host}`)], { method: req.method!, pathAndQuery: req.url!, body: new Uint8Array(body) }, headers);
      const answer = check.ok ? status : 401;
      pushes.push({ method: req.method!, path: req.url!, signature: check.ok ? "ok" : check.reason, status: answer, body: JSON.parse(body.toString("utf8")) as EventNotification });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      res.writeHead(answer, { "content-type": "application/json" }).end(answer < 300 ? '{"accepted":true}' : '{"status":' + answer + "}");
    });
  });
  const listen = (p: number) => new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(p, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  const bound = await listen(port);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    pushes,
    accepted: () => pushes.filter((p) => p.status < 300).flatMap((p) => p.body.events),
    answer: (s) => void (status = s),
    delay: (ms) => void (delayMs = ms),
    async until(check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`event receiver: condition not met within ${timeoutMs} ms; ${pushes.length} pushes so far`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    async restart() {
      await listen(bound);
    },
  };
}
