// Threads against a real core: mail in over SMTP, the user's replies by SMTP submission, by the send
// API and as a draft all join the thread they answer, and the internal thread route reads it.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagePage, Thread } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { sendMail } from "../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let alice: { id: string; shard: string };
let bob: { id: string; shard: string };
const PASSWORD = "correct horse battery";

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(status);
  return (await r.json()) as T;
}

const listing = (user: { id: string }, role: string) => json<MessagePage>(api("GET", `/internal/v1/users/${user.id}/folders/${role}/messages?limit=100`));

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  alice = await core.addUser("alice@example.test", PASSWORD);
  bob = await core.addUser("bob@example.test", PASSWORD);
});
afterAll(() => core?.destroy());

describe("replies the user sends", () => {
  it("join the thread they answer: by SMTP submission, by the send API, and as a draft", async () => {
    const question =
      "From: Carol <carol@remote.test>\r\nTo: alice@example.test\r\nSubject: Budget\r\nMessage-ID: <Budget.1@remote.test>\r\n" +
      "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nCan we talk about the budget?\r\n";
    expect(await sendMail(core.smtpPort, "carol@remote.test", ["alice@example.test"], question)).toMatch(/^250 /);
    await core.pipeline.idle();
    const [original] = (await listing(alice, "inbox")).messages;
    expect(original).toMatchObject({ subject: "Budget", threadId: original!.id });

    // A mail app answering it (to Bob, on this service, so nothing leaves the machine).
    const app = nodemailer.createTransport({ host: "127.0.0.1", port: core.submissionPort, secure: false, ignoreTLS: true, auth: { user: "alice@example.test", pass: PASSWORD } });
    await app.sendMail({ from: "alice@example.test", to: "bob@example.test", subject: "Re: Budget", text: "Bob, see below.", inReplyTo: "<budget.1@remote.test>", references: "<budget.1@remote.test>" });
    app.close();
    // The send API, naming the message it answers by its id.
    const sent = await api("POST", `/internal/v1/users/${alice.id}/outbox`, {
      messageId: uuidv7(),
      createdAt: Date.now(),
      message: { to: ["bob@example.test"], subject: "Re: Budget", text: "Yes, Thursday.", inReplyTo: original!.id },
      attachments: [],
    });
    expect(sent.status).toBe(202);
    await core.pipeline.idle();
    // Each of these is to Bob or Dave, not Carol: only the ids they carry can thread them.
    const draftId = uuidv7();
    await json(api("PUT", `/internal/v1/users/${alice.id}/drafts/${draftId}`, { draft: { to: ["dave@remote.test"], subject: "Re: Budget", text: "Draft answer", inReplyTo: original!.id }, attachments: [] }));

    const sentCopies = (await listing(alice, "sent")).messages;
    expect(sentCopies).toHaveLength(2);
    expect(sentCopies.every((m) => m.threadId === original!.id)).toBe(true);
    const thread = await json<Thread>(api("GET", `/internal/v1/users/${alice.id}/threads/${original!.id}`));
    expect(thread).toMatchObject({ id: original!.id, subject: "Budget", messageCount: 4, unread: 1 });
    expect(thread.messages.map((m) => m.id)).toEqual([original!.id, ...sentCopies.map((m) => m.id).reverse(), draftId]);

    // Bob got both replies; in his mailbox they are one thread (the second answers the same message).
    const bobs = (await listing(bob, "inbox")).messages;
    expect(bobs).toHaveLength(2);
    expect(new Set(bobs.map((m) => m.threadId)).size).toBe(1);
    // Alice's thread is not Bob's to read.
    expect((await api("GET", `/internal/v1/users/${bob.id}/threads/${original!.id}`)).status).toBe(404);
  });
});
