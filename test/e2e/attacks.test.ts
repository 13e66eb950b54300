// What a stranger tries first against a fresh `npm start`, over its real ports, as in the review that
// opened issue 11: relaying through the MX (plainly and through forged SRS addresses), sending as
// someone else and guessing passwords at submission, and, in a hijacked account, forwarding mail away,
// aiming webhooks inside, putting tokens in URLs. Each point has finer tests beside its code; this one
// proves the system as shipped holds them all together.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyCreated, LoginResponse } from "../../shared/api.ts";
import { smtpConnect, type SmtpSession } from "../support/smtp-client.ts";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.ts";
import { startSystem, type System } from "../support/system.ts";

let system: System;
let sink: SmtpSink;
const PASSWORD = "victim's long password";

beforeAll(async () => {
  sink = await startSmtpSink();
  // The outside world is one mail server on loopback: whatever reaches it was relayed.
  system = await startSystem({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port},bank.test=127.0.0.1:${sink.port}`, HOSTNAME: "mx.ours.test" });
  await system.cli("domain", "add", "ours.test");
  await system.cli("user", "add", "victim@ours.test", "--password", PASSWORD);
});

afterAll(async () => {
  await system?.stop();
  await sink?.close();
});

let clients = 0;

/** A login through the edge, each from a client address of its own (Miniflare, like wrangler dev, takes the client's
 * CF-Connecting-IP), so the guessing test's block on 127.0.0.1 does not fall on these. */
async function login(password = PASSWORD): Promise<Response> {
  const ip = `2001:db8:${(++clients).toString(16)}::1`;
  return fetch(`${system.edge}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ address: "victim@ours.test", password }),
  });
}

async function session(): Promise<string> {
  const res = await login();
  expect(res.status).toBe(200);
  return ((await res.json()) as LoginResponse).token;
}

function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${system.edge}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
}

/** One transaction at the MX up to RCPT; the RCPT reply. */
async function rcpt(from: string, to: string): Promise<string> {
  const s = await smtpConnect(system.smtpPort);
  try {
    await s.command("EHLO stranger.test");
    expect(await s.command(`MAIL FROM:<${from}>`)).toMatch(/^250/);
    return await s.command(`RCPT TO:<${to}>`);
  } finally {
    await s.close();
  }
}

const plain = (user: string, password: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString("base64")}`;

async function submission(localAddress?: string): Promise<SmtpSession> {
  const s = await smtpConnect(system.submissionPort, "127.0.0.1", localAddress);
  await s.command("EHLO app.test");
  return s;
}

describe("a stranger at the MX", () => {
  it("cannot relay: not plainly, not through forged or guessed SRS addresses, not with old tricks", async () => {
    expect(await rcpt("spammer@remote.test", "target@bank.test")).toMatch(/^554 5\.7\.1/);
    // The reviewer's collision (fields shifted between host and user) and guesses of either format.
    for (const forged of ["SRS0=HHHH=TT=remote.tes=tbank@ours.test", "SRS0=abcdefghij=AB=bank.test=target@ours.test", "SRS1=abcdefghij=bank.test==HHHH=TT=x.test=y@ours.test"]) {
      expect(await rcpt("", forged), forged).toMatch(/^550 5\.1\.1/);
      // Refused as forged (5.1.1) or as taking bounces only (5.7.1): never relayed.
      expect(await rcpt("spammer@remote.test", forged), forged).toMatch(/^550 5\.[17]\.1/);
    }
    expect(await rcpt("spammer@remote.test", "target%bank.test@ours.test")).toMatch(/^550 5\.1\.1/);
    expect(await rcpt("spammer@remote.test", "@ours.test:target@bank.test")).toMatch(/^554 5\.7\.1/);
    expect(await rcpt("spammer@remote.test", '"target@bank.test"@ours.test')).toMatch(/^5\d\d/);
    expect(await rcpt("spammer@remote.test", "target@[127.0.0.1]")).toMatch(/^554 5\.7\.1/);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages).toHaveLength(0);
  });
});

describe("a stranger at submission", () => {
  it("cannot guess the password: after the free failures even the right one waits", async () => {
    const attempt = async (password: string) => {
      const s = await submission();
      try {
        return await s.command(plain("victim@ours.test", password));
      } finally {
        await s.close();
      }
    };
    const replies: string[] = [];
    // Guess as a patient guesser does: after each refusal wait as long as told (the first waits are 1 s,
    // 2 s; the MX greets at once, so without waiting every guess would land inside the first second),
    // until the wait is a few seconds long; then the right password.
    const waitOf = (reply: string) => Number(/^454 4\.7\.0 .*try again in (\d+) seconds?/.exec(reply)?.[1] ?? 0);
    for (let i = 0; i < 80 && waitOf(replies.at(-1) ?? "") < 4; i++) {
      const told = waitOf(replies.at(-1) ?? "");
      if (told > 0) await new Promise((r) => setTimeout(r, told * 1000 + 50));
      replies.push(await attempt(`guess ${i}`));
    }
    expect(replies.slice(0, 10).every((r) => r.startsWith("535 5.7.8"))).toBe(true);
    expect(waitOf(replies.at(-1)!)).toBeGreaterThanOrEqual(4);
    expect(await attempt(PASSWORD)).toMatch(/^454 4\.7\.0 .*try again in \d+ seconds?/);
  });
});

describe("a thief in a hijacked account", () => {
  it("cannot send as someone else at submission", async () => {
    // From another address than the guessing above: its own failures are not the thief's.
    const s = await submission("127.0.0.2");
    try {
      expect(await s.command(plain("victim@ours.test", PASSWORD))).toMatch(/^235/);
      const send = async (headers: string) => {
        expect(await s.command("MAIL FROM:<victim@ours.test>")).toMatch(/^250/);
        expect(await s.command("RCPT TO:<someone@remote.test>")).toMatch(/^250/);
        const reply = await s.data(`${headers}\r\nTo: someone@remote.test\r\nSubject: pay now\r\n\r\nWire the money.\r\n`);
        await s.command("RSET");
        return reply;
      };
      expect(await send("From: victim@ours.test, ceo@bank.test")).toMatch(/^553 5\.7\.1/);
      expect(await send("From: victim@ours.test\r\nFrom: ceo@bank.test")).toMatch(/^553 5\.7\.1/);
      expect(await send("From: victim@ours.test\r\nSender: ceo@bank.test")).toMatch(/^553 5\.7\.1/);
      expect(await send('From: "ceo@bank.test" <victim@ours.test>')).toMatch(/^553 5\.7\.1/);
    } finally {
      await s.close();
    }
  });

  it("cannot forward mail away with an API key, nor aim webhooks inside, nor put a token in a URL", async () => {
    const token = await session();
    const key = ((await (await api("/api-keys", token, { method: "POST", body: JSON.stringify({ name: "stolen", scopes: ["mail.manage", "mail.read", "events"] }) })).json()) as ApiKeyCreated).key;
    const redirect = await api("/filters/sieve", key, { method: "PUT", body: JSON.stringify({ script: 'redirect "thief@remote.test";' }) });
    expect(redirect.status).toBe(403);
    expect(((await redirect.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(["script"]);
    const rule = await api("/filters", key, { method: "PUT", body: JSON.stringify({ rules: [{ conditions: {}, actions: { forwardTo: "thief@remote.test" } }] }) });
    expect(rule.status).toBe(403);

    for (const url of ["https://[::ffff:0:7f00:1]/hook", "https://[64:ff9b::7f00:1]/hook", "https://[2002:7f00:1::]/hook", "https://198.18.0.1/hook", `http://127.0.0.1:${system.apiPort}/internal/v1/queue-errors`]) {
      const res = await api("/webhooks", key, { method: "POST", body: JSON.stringify({ url }) });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field), url).toEqual(["url"]);
    }
    expect((await fetch(`${system.edge}/api/v1/events?timeout=0&access_token=${key}`)).status).toBe(400);
    expect((await fetch(`${system.edge}/api/v1/folders?access_token=${token}`)).status).toBe(400);
  });

  it("is told of by the security list when the owner's session adds a forward, and is out once the operator changes the password", async () => {
    const token = await session();
    expect((await api("/filters/sieve", token, { method: "PUT", body: JSON.stringify({ script: 'require ["copy"]; redirect :copy "backup@remote.test";' }) })).status).toBe(200);
    const { events } = (await (await api("/security/events", token)).json()) as { events: { type: string }[] };
    expect(events.map((e) => e.type)).toContain("forwarding.added");
    const key = ((await (await api("/api-keys", token, { method: "POST", body: JSON.stringify({ name: "thief", scopes: ["mail.read"] }) })).json()) as ApiKeyCreated).key;
    expect((await api("/folders", key)).status).toBe(200);

    await system.cli("user", "password", "victim@ours.test", "--password", "a new long password");
    expect((await api("/folders", token)).status).toBe(401);
    expect((await api("/folders", key)).status).toBe(401);
    expect((await login()).status).toBe(401);
    expect((await login("a new long password")).status).toBe(200);
  });
});
