// What a running core does for a user marked moving (users.moving_to, set by `user move` before the
// copy): its MX defers their mail at RCPT (450 4.2.1) and its API refuses writes (503 with
// Retry-After) while reads go on, and a submission, even in a session signed in before, is deferred (451); once unmarked both work again. And the CLI's view of the spool:
// mail acknowledged for the user counts as pending until the pipeline has filed it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import type { SpoolMeta } from "../spool/entry.ts";
import { Spool } from "../spool/spool.ts";
import { signRequest } from "../../../shared/signing.ts";
import { smtpConnect } from "../../../test/support/smtp-client.ts";
import { startTempCore, TEST_SECRET, type TempCore } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";
import { pendingFor } from "./spool-pending.ts";

let core: TempCore;
let base: string;

beforeAll(async () => {
  // No recipient cache: the mark is seen at the next RCPT (a move waits the cache's TTL out).
  core = await startTempCore({ SMTP_RECIPIENT_CACHE_SECONDS: "0" });
  base = `http://127.0.0.1:${core.apiPort}`;
});
afterAll(() => core?.destroy());

async function signed(path: string, method = "GET", body = "") {
  const headers = await signRequest(TEST_SECRET, base, { method, pathAndQuery: path, body });
  return fetch(`${base}${path}`, { method, headers: { ...headers, "content-type": "application/json" }, body: body || undefined });
}

async function rcpt(address: string): Promise<string> {
  const s = await smtpConnect(core.smtpPort);
  try {
    await s.command("EHLO sender.test");
    await s.command("MAIL FROM:<someone@sender.test>");
    return await s.command(`RCPT TO:<${address}>`);
  } finally {
    await s.close();
  }
}

describe("a user marked moving", () => {
  it("gets 450 at RCPT and 503 for API writes, reads still served; unmarked, both work again", async () => {
    const dana = await core.addUser("dana@example.test");
    await core.directory.setMoving(dana.id, "local/s1");
    expect(await rcpt("dana@example.test")).toMatch(/^450 4\.2\.1 /);
    const write = await signed(`/internal/v1/users/${dana.id}/messages`, "PATCH", JSON.stringify({ ids: [], patch: { read: true } }));
    expect(write.status).toBe(503);
    expect(Number(write.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await signed(`/internal/v1/users/${dana.id}/folders`)).status).toBe(200);

    await core.directory.setMoving(dana.id, null);
    expect(await rcpt("dana@example.test")).toMatch(/^250 /);
    expect((await signed(`/internal/v1/users/${dana.id}/messages`, "PATCH", JSON.stringify({ ids: [], patch: { read: true } }))).status).not.toBe(503);
  });

  it("defers a submission signed in before the mark (451 4.2.1) and takes it once unmarked", async () => {
    const ella = await core.addUser("ella@example.test", "ella's long password");
    const s = await smtpConnect(core.submissionPort);
    try {
      await s.command("EHLO laptop.example.test");
      expect(await s.command(`AUTH PLAIN ${Buffer.from("\0ella@example.test\0ella's long password").toString("base64")}`)).toMatch(/^235 /);
      const send = async () => {
        expect(await s.command("MAIL FROM:<ella@example.test>")).toMatch(/^250 /);
        expect(await s.command("RCPT TO:<ella@example.test>")).toMatch(/^250 /);
        return s.data("From: ella@example.test\r\nTo: ella@example.test\r\nSubject: while moving\r\n\r\nhello\r\n");
      };
      await core.directory.setMoving(ella.id, "local/s1");
      expect(await send()).toMatch(/^451 4\.2\.1 /);
      await core.directory.setMoving(ella.id, null);
      expect(await send()).toMatch(/^250 /);
    } finally {
      await s.close();
    }
  });

  it("counts spooled mail for the user as pending until it is filed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "edgemail-spool-pending-"));
    const { spool } = await Spool.open<SpoolMeta>(dir);
    try {
      const [erik, other] = [uuidv7(), uuidv7()];
      const inbound = (userId: string): SpoolMeta => ({ kind: "inbound", mailFrom: "a@sender.test", recipients: [{ address: "x@example.test", userId, shard: "s0" }], client: { address: "127.0.0.1", helo: "h", tls: false } });
      const ids = [uuidv7(), uuidv7(), uuidv7()];
      await spool.append({ id: ids[0]!, receivedAt: Date.now(), meta: inbound(erik), raw: Buffer.from("one") });
      await spool.append({ id: ids[1]!, receivedAt: Date.now(), meta: inbound(other), raw: Buffer.from("two") });
      await spool.append({ id: ids[2]!, receivedAt: Date.now(), meta: { kind: "outbound", source: "api", userId: erik, shard: "s0", sender: "erik@example.test", messageId: uuidv7(), recipients: ["b@remote.test"] }, raw: Buffer.from("{}") });
      expect(pendingFor([dir], erik)).toBe(2);
      spool.complete([ids[0]!]);
      await until(() => pendingFor([dir], erik) === 1, "the done record on disk");
      spool.complete([ids[2]!]);
      await until(() => pendingFor([dir], erik) === 0, "the second done record on disk");
      expect(pendingFor([dir], other)).toBe(1);
    } finally {
      await spool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
