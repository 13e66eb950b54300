// Nothing the API acknowledged is lost when `npm start`'s stack dies: a held send ("undo send") and an
// ordinary one, each answered 202 just before the whole stack is killed with SIGKILL (core, the edge's
// Miniflare and its workerd), are delivered to the remote server exactly once after the stack starts
// again on the same data — the held one not before its sendAt. So is a webhook delivery whose endpoint
// was failing at the crash. Miniflare's queues keep messages in memory, so none may wait on one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginResponse, SendAccepted } from "../../shared/api.ts";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.ts";
import { startSystem, type System } from "../support/system.ts";
import { until } from "../support/until.ts";
import { rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

let system: System | undefined;
let sink: SmtpSink;
let env: Record<string, string>;

beforeAll(async () => {
  sink = await startSmtpSink();
  // The webhook endpoint of this test listens on loopback: allowed only when asked.
  env = { TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, HOSTNAME: "mx.example.test", WEBHOOK_ALLOW_PRIVATE: "true" };
  system = await startSystem(env);
  await system.cli("domain", "add", "example.test");
  await system.cli("user", "add", "carol@example.test", "--password", "correct horse battery");
}, 200_000);

afterAll(async () => {
  const dataDir = system?.dataDir;
  await system?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await sink?.close();
});

async function login(edge: string): Promise<string> {
  const res = await fetch(`${edge}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ address: "carol@example.test", password: "correct horse battery" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as LoginResponse).token;
}

async function send(edge: string, token: string, body: Record<string, unknown>): Promise<SendAccepted> {
  const res = await fetch(`${edge}/api/v1/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ to: ["dave@remote.test"], text: "Sent before the crash.", ...body }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as SendAccepted;
}

/** The whole stack dies at once, as in a power cut: no orderly stop of anything. */
async function crash(s: System): Promise<void> {
  s.process.kill("SIGKILL");
  await s.process.exited;
}

const copies = (subject: string) => sink.messages.filter((m) => m.raw.toString().includes(subject)).length;

describe("npm start killed with SIGKILL right after a 202", () => {
  it("delivers a held send once, at its sendAt, and an ordinary send once, after the restart", async () => {
    const first = system!;
    const token = await login(first.edge);
    const heldSubject = `held through a crash ${crypto.randomUUID()}`;
    const nowSubject = `sent through a crash ${crypto.randomUUID()}`;
    // Long enough to outlast the restart: were it lost, nothing would come; were it sent early, it
    // would arrive before sendAt.
    const held = await send(first.edge, token, { subject: heldSubject, holdSeconds: 30 });
    expect(held.status).toBe("held");
    const sendAt = Date.parse((held as { sendAt: string }).sendAt);
    const now = await send(first.edge, token, { subject: nowSubject });
    expect(now.status).toBe("queued");
    await crash(first);
    system = undefined;

    system = await startSystem(env, { dataDir: first.dataDir });
    await until(async () => copies(nowSubject) > 0, "the ordinary send at the remote server", 60_000);
    await until(async () => copies(heldSubject) > 0, "the held send at the remote server", 90_000);
    const arrived = performance.timeOrigin + sink.messages.find((m) => m.raw.toString().includes(heldSubject))!.receivedAt;
    expect(arrived).toBeGreaterThanOrEqual(sendAt);
    // Time for a second copy, were one coming.
    await new Promise((r) => setTimeout(r, 3000));
    expect(copies(heldSubject)).toBe(1);
    expect(copies(nowSubject)).toBe(1);

    // Still the user's to see: the Sent copy of each, once.
    const after = await login(system.edge);
    const sent = (await (await fetch(`${system.edge}/api/v1/folders/sent/messages?limit=50`, { headers: { authorization: `Bearer ${after}` } })).json()) as { messages: { subject: string }[] };
    expect(sent.messages.filter((m) => m.subject === heldSubject)).toHaveLength(1);
    expect(sent.messages.filter((m) => m.subject === nowSubject)).toHaveLength(1);
  }, 240_000);
});

/** A webhook endpoint on loopback that fails (500) until told otherwise, recording each request. */
async function startEndpoint(): Promise<{ url: string; requests: { id: string; status: number }[]; answer(status: number): void; close(): Promise<void> }> {
  let status = 500;
  const requests: { id: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    req.on("error", () => {});
    req.resume();
    req.on("end", () => {
      requests.push({ id: String(req.headers["webhook-id"]), status });
      res.writeHead(status).end();
    });
  });
  server.on("error", () => {});
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    answer: (s) => void (status = s),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("npm start killed with SIGKILL while a webhook endpoint fails", () => {
  it("delivers the owed webhook deliveries after the restart, each once", async () => {
    const hook = await startEndpoint();
    try {
      const first = system!;
      const token = await login(first.edge);
      const created = await fetch(`${first.edge}/api/v1/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ url: hook.url, events: ["message.created"] }),
      });
      expect(created.status).toBe(201);
      // A message to herself: its inbox copy is a message.created event, owed to the webhook.
      await send(first.edge, token, { to: ["carol@example.test"], subject: `for the webhook ${crypto.randomUUID()}` });
      await until(async () => hook.requests.length > 0, "the first (failing) attempt", 30_000);
      const owed = new Set(hook.requests.map((r) => r.id));
      await crash(first);
      system = undefined;
      hook.answer(200);

      system = await startSystem(env, { dataDir: first.dataDir });
      // Retried after the first attempt's backoff (30 s less up to a quarter).
      await until(async () => [...owed].every((id) => hook.requests.some((r) => r.id === id && r.status === 200)), "the owed deliveries, after the restart", 90_000);
      await new Promise((r) => setTimeout(r, 2000));
      const delivered = hook.requests.filter((r) => r.status === 200).map((r) => r.id);
      expect(delivered.length).toBe(new Set(delivered).size);
    } finally {
      await hook.close();
    }
  }, 240_000);
});
