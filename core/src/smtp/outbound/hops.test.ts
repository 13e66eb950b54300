// Delivery to a remote server that offers STARTTLS (used, as MTAs do opportunistically), and through
// a smart host that requires AUTH (refused credentials defer, they do not bounce).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "../../../../test/support/smtp-sink.ts";
import { isLoopback } from "../submission/submission-server.ts";
import { SmtpSession } from "./deliver.ts";

function certificate(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(path.join(tmpdir(), "tls-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/k.pem`, "-out", `${dir}/c.pem`, "-days", "2", "-subj", "/CN=mx.remote.test"], { stdio: "ignore" });
    return { key: readFileSync(`${dir}/k.pem`), cert: readFileSync(`${dir}/c.pem`) };
  } catch {
    return null;
  }
}

const sinks: SmtpSink[] = [];
afterAll(async () => {
  for (const s of sinks) await s.close();
});
const raw = Buffer.from("From: a@example.test\r\nTo: b@remote.test\r\nSubject: hop test\r\n\r\nHello.\r\n");
const tls = certificate();

describe("remote hops", () => {
  it.skipIf(!tls)("uses STARTTLS when the remote server offers it (skipped without openssl to make a certificate)", async () => {
    const sink = await startSmtpSink(tls!);
    sinks.push(sink);
    const session = await SmtpSession.open({ hostname: "mx.remote.test", address: "127.0.0.1", port: sink.port }, "mx.example.test", 5000);
    if ("failed" in session) throw new Error(session.failed);
    expect((await session.send("a@example.test", ["b@remote.test"], raw))[0]!.outcome).toBe("delivered");
    session.close();
    expect(sink.messages.at(-1)!.secure).toBe(true);
  });

  it("logs in at a smart host, and defers (not bounces) when the credentials are refused", async () => {
    const sink = await startSmtpSink({ auth: { user: "relay-user", pass: "relay-pass" } });
    sinks.push(sink);
    const hop = { hostname: "relay.test", address: "127.0.0.1", port: sink.port };
    const good = await SmtpSession.open({ ...hop, auth: { user: "relay-user", pass: "relay-pass" } }, "mx.example.test", 5000);
    if ("failed" in good) throw new Error(good.failed);
    expect((await good.send("a@example.test", ["b@remote.test", "c@remote.test"], raw)).map((r) => r.outcome)).toEqual(["delivered", "delivered"]);
    // The same session carries a second message.
    expect((await good.send("a@example.test", ["d@remote.test"], raw))[0]!.outcome).toBe("delivered");
    good.close();
    expect(sink.messages).toHaveLength(2);
    const bad = await SmtpSession.open({ ...hop, auth: { user: "relay-user", pass: "wrong" } }, "mx.example.test", 5000);
    expect(bad).toMatchObject({ failed: expect.stringContaining("authentication failed") });
  });

  it("delivers to internationalized addresses (SMTPUTF8)", async () => {
    const sink = await startSmtpSink();
    sinks.push(sink);
    const session = await SmtpSession.open({ hostname: "mx.remote.test", address: "127.0.0.1", port: sink.port }, "mx.example.test", 5000);
    if ("failed" in session) throw new Error(session.failed);
    const results = await session.send("发件人@example.test", ["用户@remote.test", "josé@remote.test"], raw);
    session.close();
    expect(results.map((r) => r.outcome)).toEqual(["delivered", "delivered"]);
    expect(sink.messages.at(-1)).toMatchObject({ from: "发件人@example.test", to: ["用户@remote.test", "josé@remote.test"] });
  });

  it("knows loopback clients (the only ones allowed AUTH over plaintext)", () => {
    for (const a of ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(a), a).toBe(true);
    for (const a of ["10.0.0.1", "192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1"]) expect(isLoopback(a), a).toBe(false);
  });
});
