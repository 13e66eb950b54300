// A core with BLOB_STORE=s3 against a real S3-protocol server (s3rver behind a SigV4 check): mail
// with attachments comes in over SMTP, is filed into the bucket (a large attachment as a multipart
// upload), and the core's API points at bytes that are there, as the edge reads them from R2. No
// local emulator is started.
import { AwsClient } from "aws4fetch";
import nodemailer from "nodemailer";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachmentLocation } from "../../../shared/internal-api.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { startS3Server, type TestS3Server } from "../../../test/support/s3-server.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";
import { eq } from "drizzle-orm";
import { listMessages } from "./mailbox.ts";
import { messages } from "./shard-schema.ts";

let s3: TestS3Server;
let core: TempCore;
beforeAll(async () => {
  s3 = await startS3Server("edgemail-blobs");
  core = await startTempCore({ ...s3.env, MAX_MESSAGE_BYTES: "40M" });
});
afterAll(async () => {
  await core?.destroy();
  await s3?.close();
});

describe("a core on the S3 API", () => {
  it("files SMTP mail with attachments into the bucket and serves them", { timeout: 120_000 }, async () => {
    expect(core.config.blobs).toMatchObject({ kind: "s3", endpoint: s3.endpoint, bucket: "edgemail-blobs" });
    const alice = await core.addUser("alice@example.test");
    const small = Buffer.from(Array.from({ length: 60_000 }, (_, i) => (i * 7) % 256));
    const large = randomBytes(17 * 1024 * 1024);
    // The store is throttled while the mail is filed: the pipeline's writes retry and get through.
    s3.failNext(2, { status: 503, code: "SlowDown" }, /^PUT /);
    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: core.smtpPort, secure: false, ignoreTLS: true });
    const info = await smtp.sendMail({
      from: "bob@remote.test",
      to: alice.address,
      subject: "two files",
      text: "attached",
      attachments: [
        { filename: "small.bin", content: small, contentType: "application/octet-stream" },
        { filename: "large.zip", content: large, contentType: "application/zip" },
      ],
    });
    smtp.close();
    expect(info.response).toMatch(/^250 /);
    await core.pipeline.idle();
    const { messages } = await until(async () => {
      const page = await listMessages(core.shards.get(alice.shard), alice.id, "inbox", { limit: 10 });
      return page.messages.length === 1 && page;
    }, "the message filed");

    const lines = s3.requests.map((r) => `${r.line} ${r.status}`);
    expect(lines.filter((l) => / 503$/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /^POST \/edgemail-blobs\/att\/sha256\/[0-9a-f]{64}\?uploads 200$/.test(l))).toBe(true);
    expect(lines.filter((l) => /partNumber=\d+&uploadId=.* 200$/.test(l)).length).toBeGreaterThanOrEqual(3);

    const api = internalApi(core.apiPort);
    const aws = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: "auto", retries: 0 });
    for (const [n, bytes, type] of [[1, small, "application/octet-stream"], [2, large, "application/zip"]] as const) {
      const res = await api("GET", `/internal/v1/users/${alice.id}/messages/${messages[0]!.id}/attachments/${n}`);
      expect(res.status).toBe(200);
      const where = (await res.json()) as AttachmentLocation;
      expect(where).toMatchObject({ size: bytes.length, contentType: type });
      // What the edge does with its R2 binding: the bytes at that key, whole and in part.
      const whole = await aws.fetch(`${s3.endpoint}/edgemail-blobs/${where.blobKey}`);
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      const part = await aws.fetch(`${s3.endpoint}/edgemail-blobs/${where.blobKey}`, { headers: { range: "bytes=1000-1999" } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    }
  });

  it("keeps what it acknowledged while the store is unreachable, and files it once when it is back", { timeout: 120_000 }, async () => {
    const bob = await core.addUser("bob@example.test");
    s3.reset();
    s3.failNext(Number.MAX_SAFE_INTEGER, "reset"); // every connection cut: the store is down
    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: core.smtpPort, secure: false, ignoreTLS: true });
    for (let i = 0; i < 5; i++) {
      const info = await smtp.sendMail({ from: "carol@remote.test", to: bob.address, subject: `during the outage ${i}`, text: `message ${i}` });
      expect(info.response).toMatch(/^250 /); // spooled and synced before the 250
    }
    await until(() => s3.requests.length >= 3, "the pipeline trying the store");
    const inbox = async () => (await listMessages(core.shards.get(bob.shard), bob.id, "inbox", { limit: 50 })).messages;
    // A batch's rows commit beside its pack's put (pipeline/mail-pipeline.ts), so what a failed put's batch
    // committed may show already (its text is in the shard), each message once; the spool keeps all five
    // until their raw bytes are stored too.
    const during = (await inbox()).map((m) => m.subject);
    expect(new Set(during).size).toBe(during.length);
    expect(core.pipeline.stats.queued).toBe(5);

    // Once a batch has failed at the store, new mail waits with its sender: 451 at RCPT, 503 from the API.
    await until(() => core.pipeline.blobStoreDown, "the pipeline reporting the store down", 60_000);
    const refused = await smtp.sendMail({ from: "carol@remote.test", to: bob.address, subject: "deferred", text: "later" }).catch((err: { responseCode?: number; response?: string }) => err);
    expect(refused).toMatchObject({ responseCode: 451 });
    expect((refused as { response: string }).response).toMatch(/^451 4\.3\.0 /);
    const api = internalApi(core.apiPort);
    const message = { to: [bob.address], subject: "by the API", text: "later" };
    const sent = await api("POST", `/internal/v1/users/${bob.id}/outbox/messages`, { requestHash: "0".repeat(64), message, attachments: [] });
    expect(sent.status).toBe(503);
    expect(sent.headers.get("retry-after")).toBeTruthy();
    smtp.close();

    s3.reset(); // back up
    const filed = await until(async () => {
      const messages = await inbox();
      return messages.length >= 5 && messages;
    }, "the mail filed after the outage", 60_000);
    await core.pipeline.idle();
    expect((await inbox()).map((m) => m.subject).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `during the outage ${i}`));
    expect(filed).toHaveLength(5);
    // Every row points at raw bytes that are in the bucket now: a refiling repointed what the failed put left.
    const aws = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, service: "s3", region: "auto", retries: 0 });
    const rows = await core.shards
      .get(bob.shard)
      .db.select({ subject: messages.subject, key: messages.rawKey, offset: messages.rawOffset, length: messages.rawLength })
      .from(messages)
      .where(eq(messages.userId, bob.id));
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      const res = await aws.fetch(`${s3.endpoint}/edgemail-blobs/${r.key}`, { headers: { range: `bytes=${r.offset}-${r.offset + r.length - 1}` } });
      expect(res.status, r.subject ?? "").toBe(206);
      expect(Buffer.from(await res.arrayBuffer()).toString("latin1")).toContain(`Subject: ${r.subject}`);
    }
    // The store took a batch again: mail is accepted again.
    expect(core.pipeline.blobStoreDown).toBe(false);
    const again = nodemailer.createTransport({ host: "127.0.0.1", port: core.smtpPort, secure: false, ignoreTLS: true });
    expect((await again.sendMail({ from: "carol@remote.test", to: bob.address, subject: "after the outage", text: "now" })).response).toMatch(/^250 /);
    again.close();
  });
});
