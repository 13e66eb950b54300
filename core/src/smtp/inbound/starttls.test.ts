// STARTTLS on the MX when a certificate is configured, with a self-signed one made for the test.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smtpConnect } from "../../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";
import { openBlobStore } from "../../store/open-blobs.ts";

function makeCertificate(): { key: string; cert: string } | null {
  const dir = mkdtempSync(path.join(tmpdir(), "tls-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=mx.test"], { stdio: "ignore" });
    return { key, cert };
  } catch {
    return null;
  }
}

const certificate = makeCertificate();
let core: TempCore;

beforeAll(async () => {
  if (!certificate) return;
  core = await startTempCore({ TLS_KEY_FILE: certificate.key, TLS_CERT_FILE: certificate.cert });
  await core.addUser("alice@example.test");
});
afterAll(() => core?.destroy());

describe.skipIf(!certificate)("STARTTLS (skipped without the openssl command, which makes the test certificate)", () => {
  it("is offered, and mail sent over it is marked ESMTPS", async () => {
    const s = await smtpConnect(core.smtpPort);
    expect(await s.command("EHLO client.test")).toContain("STARTTLS");
    await s.close();

    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: core.smtpPort, secure: false, requireTLS: true, name: "client.test", tls: { rejectUnauthorized: false } });
    const info = await transport.sendMail({ from: "bob@remote.test", to: "alice@example.test", subject: "over tls", text: "secret" });
    expect(info.response).toMatch(/^250 /);
    await core.pipeline.idle();
    const user = (await core.directory.userByAddress("alice@example.test"))!;
    const { rows } = await core.shards.get(user.shard).client.execute({ sql: "select raw_key, raw_offset, raw_length from messages where user_id = ? and subject = 'over tls'", args: [user.id] });
    expect(rows).toHaveLength(1);
    const blobs = openBlobStore(core.config.blobs);
    const raw = await blobs.get(String(rows[0]!.raw_key), { offset: Number(rows[0]!.raw_offset), length: Number(rows[0]!.raw_length) });
    await blobs.close();
    expect(Buffer.from(raw!).toString()).toMatch(/^Return-Path: <bob@remote\.test>\r\n(?:X-Spam-[^\r]*\r\n(?:\t[^\r]*\r\n)*)*Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test \(edgemail\) with ESMTPS id /);
  });
});
