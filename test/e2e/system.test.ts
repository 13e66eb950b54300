// The whole system as `npm start` starts it (core + wrangler dev on one local R2), driven from the
// outside: the admin CLI, SMTP, and the edge API over HTTP.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, Folder, LoginResponse, Message, MessagePage } from "../../shared/api.ts";
import PostalMime from "postal-mime";
import type { SendAccepted, UploadedAttachment } from "../../shared/api.ts";
import { dkimResult } from "../support/dkim.ts";
import { startSystem, type System } from "../support/system.ts";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.ts";

let system: System;
let edge: string;
let smtpPort: number;
let sink: SmtpSink;
const cli = (...args: string[]) => system.cli(...args);

beforeAll(async () => {
  sink = await startSmtpSink();
  // The remote world of this test is one mail server on loopback.
  system = await startSystem({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, HOSTNAME: "mx.example.test" });
  edge = system.edge;
  smtpPort = system.smtpPort;
});

afterAll(async () => {
  await system?.stop();
  await sink?.close();
});

const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) % 256))]);
const image = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 13) % 251));

describe("npm start: receive over SMTP, read through the edge", () => {
  let token: string;
  let message: Message;

  it("creates a domain and a user with the CLI while the system runs", async () => {
    expect(await cli("domain", "add", "example.test")).toContain("added");
    expect(await cli("user", "add", "alice@example.test", "--password", "correct horse battery")).toContain("alice@example.test");
    expect(await cli("user", "list")).toContain("alice@example.test");
  });

  it("accepts a multipart message with two attachments over SMTP", async () => {
    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true });
    const info = await smtp.sendMail({
      from: "Bob Sender <bob@remote.test>",
      to: "alice@example.test",
      cc: "alice+cc@example.test",
      subject: "Report and picture — ✓",
      text: "Hi Alice,\nthe report and a picture are attached.\n",
      html: "<p>Hi Alice,<br>the <b>report</b> and a picture are attached.</p>",
      attachments: [
        { filename: "report.pdf", content: pdf, contentType: "application/pdf" },
        { filename: "Bild ü.png", content: image, contentType: "image/png" },
      ],
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as /);
    expect(info.accepted).toHaveLength(2);
  });

  it("logs in and finds the message, once, with counts", async () => {
    const res = await fetch(`${edge}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ address: "alice@example.test", password: "correct horse battery" }),
    });
    expect(res.status).toBe(200);
    token = ((await res.json()) as LoginResponse).token;
    const auth = { authorization: `Bearer ${token}` };
    // Filing follows the 250 closely; give the pipeline a moment.
    let page: MessagePage = { messages: [], nextCursor: null };
    for (let i = 0; i < 50 && page.messages.length === 0; i++) {
      page = (await (await fetch(`${edge}/api/v1/folders/inbox/messages`, { headers: auth })).json()) as MessagePage;
      if (page.messages.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]!.subject).toBe("Report and picture — ✓");
    const { folders } = (await (await fetch(`${edge}/api/v1/folders`, { headers: auth })).json()) as { folders: Folder[] };
    expect(folders.find((f) => f.role === "inbox")).toMatchObject({ total: 1, unread: 1 });
    message = (await (await fetch(`${edge}/api/v1/messages/${page.messages[0]!.id}`, { headers: auth })).json()) as Message;
    expect(message.from).toEqual({ name: "Bob Sender", address: "bob@remote.test" });
    expect(message.cc).toEqual([{ name: "", address: "alice+cc@example.test" }]);
    expect(message.html).toContain("<b>report</b>");
    expect(message.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ["report.pdf", "application/pdf", pdf.length],
      ["Bild ü.png", "image/png", image.length],
    ]);
    const account = (await (await fetch(`${edge}/api/v1/account`, { headers: auth })).json()) as Account;
    expect(account.quota.messages).toBe(1);
    expect(account.quota.usedBytes).toBeGreaterThan(pdf.length);
  });

  it("serves both attachments byte for byte from R2, and ranges of them", async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const [n, bytes] of [[1, pdf], [2, image]] as const) {
      const res = await fetch(`${edge}/api/v1/messages/${message.id}/attachments/${n}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const part = await fetch(`${edge}/api/v1/messages/${message.id}/attachments/1`, { headers: { ...auth, range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(pdf.subarray(1000, 2000))).toBe(true);
  });

  it("marks read through the edge and the counts follow", async () => {
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const res = await fetch(`${edge}/api/v1/messages/${message.id}`, { method: "PATCH", headers: auth, body: JSON.stringify({ read: true }) });
    expect(res.status).toBe(200);
    const { folders } = (await (await fetch(`${edge}/api/v1/folders`, { headers: auth })).json()) as { folders: Folder[] };
    expect(folders.find((f) => f.role === "inbox")).toMatchObject({ total: 1, unread: 0 });
  });
});

describe("npm start: send through the edge, delivered over SMTP and internally", () => {
  let alice: string;
  let bob: string;
  let publicKeyTxt: string;
  const report = Buffer.from(Array.from({ length: 120_000 }, (_, i) => (i * 17 + 5) % 256));
  const login = async (address: string) =>
    ((await (await fetch(`${edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address, password: "correct horse battery" }) })).json()) as LoginResponse).token;

  it("makes a DKIM key with the CLI and prints the DNS records to publish", async () => {
    const out = await cli("domain", "dkim", "example.test");
    expect(out).toMatch(/\._domainkey\.example\.test\.\s+3600\s+IN\s+TXT\s+"v=DKIM1; k=rsa; p=/);
    expect(out).toContain('"v=spf1 mx -all"');
    expect(out).toMatch(/_dmarc\.example\.test\..*v=DMARC1/);
    publicKeyTxt = out.match(/IN\tTXT\t("v=DKIM1[^\n]+)/)![1]!.replace(/"\s*"/g, "").replace(/"/g, "");
    await cli("user", "add", "bob@example.test", "--password", "correct horse battery");
    alice = await login("alice@example.test");
    bob = await login("bob@example.test");
  });

  it("uploads an attachment and sends: 202, then DKIM-signed at the remote server and in Bob's inbox", async () => {
    const upload = await fetch(`${edge}/api/v1/attachments?filename=report.bin`, { method: "POST", headers: { authorization: `Bearer ${alice}`, "content-type": "application/octet-stream" }, body: report });
    expect(upload.status).toBe(201);
    const attachment = (await upload.json()) as UploadedAttachment;
    const res = await fetch(`${edge}/api/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/json", "idempotency-key": "e2e-send-1" },
      body: JSON.stringify({ from: { name: "Alice" }, to: ["carol@remote.test", "bob@example.test"], subject: "Numbers for Q3", text: "See the attached report.", attachments: [{ id: attachment.id }] }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as SendAccepted;

    let remote = sink.messages.find((m) => m.raw.toString().includes("Numbers for Q3"));
    for (let i = 0; i < 200 && !remote; i++) {
      await new Promise((r) => setTimeout(r, 100));
      remote = sink.messages.find((m) => m.raw.toString().includes("Numbers for Q3"));
    }
    expect(remote, "delivered to the remote server").toBeDefined();
    expect(remote!.to).toEqual(["carol@remote.test"]);
    const parsed = await PostalMime.parse(remote!.raw);
    expect(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer).equals(report)).toBe(true);
    expect(await dkimResult(remote!.raw, "example.test", publicKeyTxt)).toBe("pass");

    const inbox = (await (await fetch(`${edge}/api/v1/folders/inbox/messages`, { headers: { authorization: `Bearer ${bob}` } })).json()) as MessagePage;
    const copy = inbox.messages.find((m) => m.subject === "Numbers for Q3")!;
    const download = await fetch(`${edge}/api/v1/messages/${copy.id}/attachments/1`, { headers: { authorization: `Bearer ${bob}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(report)).toBe(true);
    const sent = (await (await fetch(`${edge}/api/v1/folders/sent/messages`, { headers: { authorization: `Bearer ${alice}` } })).json()) as MessagePage;
    expect(sent.messages.map((m) => m.id)).toContain(id);
  });

  it("lists the delivery in the CLI's queue, with the remote server's reply", async () => {
    const out = await cli("queue", "list");
    expect(out).toMatch(/alice@example\.test → carol@remote\.test\s+delivered/);
    expect(out).toContain("250 2.0.0 Ok: sunk");
  });
});
