// Address suggestions through a real core: mail the user sends by the send API (to, cc, bcc) and by
// SMTP submission from a mail app (Bcc only in the envelope) becomes their contacts; the internal
// route answers in the API's schema, a user sees only their own, and bad queries name the field.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContactList } from "../../../shared/api.ts";
import { uuidv7 } from "../../../shared/ids.ts";
import type { Problem } from "../../../shared/problem.ts";
import { internalApi } from "../../../test/support/internal-api.ts";
import { startTempCore, type TempCore } from "../../../test/support/temp-core.ts";

let core: TempCore;
let api: ReturnType<typeof internalApi>;
let alice: { id: string };
let bob: { id: string };
const PASSWORD = "correct horse battery";

async function contacts(user: { id: string }, params: Record<string, string> = {}): Promise<ContactList> {
  const qs = new URLSearchParams(params).toString();
  const res = await api("GET", `/internal/v1/users/${user.id}/contacts${qs ? `?${qs}` : ""}`);
  expect(res.status, await res.clone().text()).toBe(200);
  const body: unknown = await res.json();
  const parsed = ContactList.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return parsed.data!;
}

const send = async (user: { id: string }, message: object) => {
  const res = await api("POST", `/internal/v1/users/${user.id}/outbox`, { messageId: uuidv7(), createdAt: Date.now(), message, attachments: [] });
  expect(res.status, await res.clone().text()).toBe(202);
};

beforeAll(async () => {
  core = await startTempCore();
  api = internalApi(core.apiPort);
  alice = await core.addUser("alice@example.test", PASSWORD);
  bob = await core.addUser("bob@example.test", PASSWORD);
  // Everyone mailed is on this service, so nothing leaves the machine.
  for (const a of ["carol", "dan", "erin", "frank"]) await core.addUser(`${a}@example.test`, PASSWORD);
});
afterAll(() => core?.destroy());

describe("GET /internal/v1/users/:id/contacts", () => {
  it("lists whom the user mailed, most often first, matched by prefix; never another user's", async () => {
    await send(alice, { to: [{ name: "Carol Carter", address: "carol@example.test" }], subject: "one", text: "1" });
    await send(alice, { to: ["carol@example.test"], cc: ["dan@example.test"], bcc: ["erin@example.test"], subject: "two", text: "2" });
    await send(bob, { to: ["frank@example.test", "carol@example.test"], subject: "bob's", text: "3" });
    // A mail app: Bcc recipients are only in the envelope; the Sent copy records them.
    const app = nodemailer.createTransport({ host: "127.0.0.1", port: core.submissionPort, secure: false, ignoreTLS: true, auth: { user: "alice@example.test", pass: PASSWORD } });
    await app.sendMail({ from: "alice@example.test", to: "Carol C <carol@example.test>", bcc: "frank@example.test", subject: "three", text: "3" });
    app.close();
    await core.pipeline.idle();

    const all = (await contacts(alice)).contacts;
    expect(all.map((c) => [c.address, c.timesMailed])).toEqual([
      ["carol@example.test", 3],
      // Equal counts: the most recent first, then by address.
      ["frank@example.test", 1],
      ["dan@example.test", 1],
      ["erin@example.test", 1],
    ]);
    expect(all[0]!.name).toBe("Carol C");
    expect((await contacts(alice, { q: "C" })).contacts.map((c) => c.address)).toEqual(["carol@example.test"]);
    expect((await contacts(alice, { q: "cart" })).contacts.map((c) => c.address)).toEqual([]);
    expect((await contacts(alice, { q: "", limit: "2" })).contacts).toHaveLength(2);
    expect((await contacts(bob)).contacts.map((c) => c.address).sort()).toEqual(["carol@example.test", "frank@example.test"]);
    expect((await contacts(bob, { q: "d" })).contacts).toEqual([]);
  });

  it("refuses a bad limit naming it", async () => {
    for (const limit of ["0", "51", "ten"]) {
      const res = await api("GET", `/internal/v1/users/${alice.id}/contacts?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Problem).errors?.[0]?.field).toBe("query.limit");
    }
  });
});
