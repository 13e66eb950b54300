// Nothing the API acknowledged is lost when `npm start`'s stack dies: a held send ("undo send") and an
// ordinary one, each answered 202 just before the whole stack is killed with SIGKILL (core, the edge's
// Miniflare and its workerd), are delivered to the remote server exactly once after the stack starts
// again on the same data — the held one not before its sendAt. Miniflare's queues keep messages in
// memory, so neither may wait on one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginResponse, SendAccepted } from "../../shared/api.ts";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.ts";
import { startSystem, type System } from "../support/system.ts";
import { until } from "../support/until.ts";
import { rmSync } from "node:fs";

let system: System | undefined;
let sink: SmtpSink;
let env: Record<string, string>;

beforeAll(async () => {
  sink = await startSmtpSink();
  env = { TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, HOSTNAME: "mx.example.test" };
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
    const held = await send(first.edge, token, { subject: heldSubject, holdSeconds: 20 });
    expect(held.status).toBe("held");
    const sendAt = Date.parse((held as { sendAt: string }).sendAt);
    const now = await send(first.edge, token, { subject: nowSubject });
    expect(now.status).toBe("queued");
    await crash(first);
    system = undefined;

    system = await startSystem(env, { dataDir: first.dataDir });
    await until(async () => copies(nowSubject) > 0, "the ordinary send at the remote server", 60_000);
    expect(Date.now()).toBeLessThan(sendAt);
    expect(copies(heldSubject)).toBe(0);
    await until(async () => copies(heldSubject) > 0, "the held send at the remote server", 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(sendAt);
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
