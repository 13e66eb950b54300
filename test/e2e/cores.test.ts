// Two cores in one region, as `CORES=2 npm start` runs them: one MX port shared by both processes (the
// kernel spreads connections), the edge spreading its calls over both, the same shards and bucket. Then
// one core is killed: mail keeps arriving through the other, the API keeps answering, and every message
// acknowledged is filed once. Both count failed logins in one Redis (npm start runs redis-server and our
// Upstash REST front for them), so a guesser whose connections the kernel spreads over both cores gets
// one allowance.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginResponse, MessagePage, SendAccepted } from "../../shared/api.ts";
import { descendants } from "../support/process-tree.ts";
import { sendMail, smtpConnect } from "../support/smtp-client.ts";
import { startSystem, type System } from "../support/system.ts";
import { until } from "../support/until.ts";

let system: System;
let token: string;
const apiPorts: number[] = [];

beforeAll(async () => {
  system = await startSystem({ CORES: "2" });
  await system.cli("domain", "add", "example.test");
  await system.cli("user", "add", "alice@example.test", "--password", "correct horse battery");
  const login = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: "alice@example.test", password: "correct horse battery" }) });
  token = ((await login.json()) as LoginResponse).token;
  const banner = system.process.output().match(/core API\s+(.+?) \(signed/)![1]!;
  for (const m of banner.matchAll(/:(\d+)/g)) apiPorts.push(Number(m[1]));
}, 180_000);

afterAll(() => system?.stop());

const inbox = async () =>
  ((await (await fetch(`${system.edge}/api/v1/folders/inbox/messages?limit=200`, { headers: { authorization: `Bearer ${token}`, "cache-control": "no-cache" } })).json()) as MessagePage).messages;

/** What a core has filed since it started, from its /metrics. */
async function filedBy(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(text.match(/^edgemail_pipeline_filed_total (\d+)/m)![1]);
}

const mail = (subject: string) => `From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`;

describe("CORES=2", () => {
  it("runs two core processes behind one SMTP port, both taking mail", async () => {
    expect(apiPorts).toHaveLength(2);
    for (let i = 0; i < 40; i++) expect(await sendMail(system.smtpPort, "bob@remote.test", ["alice@example.test"], mail(`first ${i}`))).toMatch(/^250 /);
    await until(async () => (await inbox()).length === 40, "40 messages visible through the edge", 30_000);
    const filed = await Promise.all(apiPorts.map(filedBy));
    expect(filed[0]! + filed[1]!).toBe(40);
    // One connection per message: the kernel gives both processes a share.
    expect(Math.min(...filed)).toBeGreaterThan(0);
  });

  it("counts failed logins across both cores in the Redis npm start runs", async () => {
    for (const port of apiPorts) expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ loginThrottle: { shared: true } });
    const auth = async (password: string) => {
      const s = await smtpConnect(system.submissionPort, "127.0.0.1", "127.0.0.77");
      try {
        await s.command("EHLO app.test");
        return await s.command(`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${password}`).toString("base64")}`);
      } finally {
        await s.close();
      }
    };
    // Ten free failures for the address, wherever the kernel sends each connection; the eleventh starts a block.
    for (let i = 0; i < 11; i++) expect(await auth("a wrong guess")).toMatch(/^535 /);
    for (let i = 0; i < 4; i++) expect(await auth("correct horse battery")).toMatch(/^454 4\.7\.0 /);
  });

  it("keeps serving with one core killed: mail through the other, API reads and sends", async () => {
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return ""; // gone meanwhile
      }
    };
    const second = descendants(system.process.process.pid!).find((p) => cmdline(p.pid).includes("core/src/main.ts"));
    expect(second).toBeDefined();
    process.kill(second!.pid, "SIGKILL");
    await until(() => !descendants(system.process.process.pid!).some((p) => p.pid === second!.pid), "the second core gone");

    // A connection that raced the kill may be reset, as a sending MTA would see it: it tries again.
    const deliver = (subject: string) => sendMail(system.smtpPort, "bob@remote.test", ["alice@example.test"], mail(subject));
    for (let i = 0; i < 20; i++) expect(await deliver(`after ${i}`).catch(() => deliver(`after ${i}`))).toMatch(/^250 /);
    // Reads go on to the core that answers.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${system.edge}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
    // A send is not repeated on another core by the edge; the client's retry (same key) is, and the
    // unreachable core is passed over by then.
    const send = () =>
      fetch(`${system.edge}/api/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": "cores-send-1" },
        body: JSON.stringify({ to: ["alice@example.test"], subject: "to myself", text: "through the core that is left" }),
      });
    let res = await send();
    if (res.status === 503) res = await send();
    expect(res.status).toBe(202);
    expect(((await res.json()) as SendAccepted).status).toBe("queued");

    await until(async () => (await inbox()).length === 61, "every message filed", 30_000);
    const subjects = (await inbox()).map((m) => m.subject);
    expect(new Set(subjects).size).toBe(61);
  });
});
