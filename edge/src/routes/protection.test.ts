// Protection through the edge (workerd) and the seeded core: spam reaches Junk with its verdict in
// GET /messages/{id}; report-spam / not-spam move and teach; an infected upload is refused with 422
// by the core's real clamd.
import { describe, expect, inject, it } from "vitest";
import type { Message, MessagePage, MessageSummary } from "../../../shared/api.ts";
import { api, login } from "../../test/api.ts";
import { sendSmtp } from "../../test/events.ts";
import { seed } from "../../test/seed.ts";

// The GTUBE test string, in two halves so that no scanner flags this file itself.
const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-" + "ANTI-UBE-TEST-EMAIL*C.34X";
const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

async function inFolder(token: string, folder: string, subject: string): Promise<MessageSummary | undefined> {
  const page = (await (await api(`/api/v1/folders/${folder}/messages?limit=100`, { token, headers: { "cache-control": "no-cache" } })).json()) as MessagePage;
  return page.messages.find((m) => m.subject === subject);
}

async function waitFor<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("spam through the edge", () => {
  it("files GTUBE in Junk, says why in the message, and moves it with not-spam and report-spam", async () => {
    const token = await login(seed.judy.address, seed.judy.password);
    const subject = `gtube ${crypto.randomUUID()}`;
    expect((await sendSmtp({ from: "carol@remote.test", to: seed.judy.address, subject, text: `Lunch on Friday?\n${GTUBE}\n` })).response).toMatch(/^250 /);
    const junked = await waitFor(() => inFolder(token, "junk", subject));

    const message = (await (await api(`/api/v1/messages/${junked.id}`, { token })).json()) as Message;
    expect(message.spam!.tests).toContain("GTUBE");
    expect(message.keywords).toContain("$Junk");
    expect(message.authentication).toMatchObject({ senderVerified: false, spf: "none", dkim: "none", dmarc: "none" });
    expect(message.virusScan).toBe(inject("clamd") ? "clean" : "unscanned");

    const back = await api(`/api/v1/messages/${junked.id}/not-spam`, { method: "POST", token });
    expect(back.status).toBe(200);
    expect(await inFolder(token, "inbox", subject)).toBeDefined();
    const again = await api(`/api/v1/messages/${junked.id}/report-spam`, { method: "POST", token });
    expect(again.status).toBe(200);
    expect(((await again.json()) as MessageSummary).folderId).toBe(junked.folderId);

    // Someone else's message is not found, as anything of another user's is.
    const bob = await login(seed.bob.address, seed.bob.password);
    expect((await api(`/api/v1/messages/${junked.id}/report-spam`, { method: "POST", token: bob })).status).toBe(404);
    expect((await api(`/api/v1/messages/not-an-id/not-spam`, { method: "POST", token: bob })).status).toBe(404);
  });
});

describe.skipIf(!inject("clamd"))("virus scanning of uploads (skipped: clamd is not installed; .ci/run installs it)", () => {
  it("refuses an infected upload with 422 and accepts a clean one", async () => {
    const token = await login(seed.judy.address, seed.judy.password);
    // In production both tiers share one R2 bucket; here the core's local R2 gets the same bytes under
    // the same content address that the edge's upload will give them.
    for (const content of [EICAR, "just notes"]) {
      const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(content)))].map((b) => b.toString(16).padStart(2, "0")).join("");
      expect((await fetch(`${inject("relayUrl")}/blob?key=att/sha256/${hash}`, { method: "PUT", body: content })).status).toBe(200);
    }
    const infected = await api("/api/v1/attachments?filename=eicar.com", { method: "POST", token, body: EICAR, headers: { "content-type": "application/octet-stream" } });
    expect(infected.status).toBe(422);
    expect(infected.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = (await infected.json()) as { detail: string; errors: { field: string }[] };
    expect(problem.detail).toMatch(/virus \(Eicar-Test-Signature/);
    expect(problem.errors[0]!.field).toBe("(body)");
    const clean = await api("/api/v1/attachments?filename=notes.txt", { method: "POST", token, body: "just notes", headers: { "content-type": "text/plain" } });
    expect(clean.status).toBe(201);
  });
});
