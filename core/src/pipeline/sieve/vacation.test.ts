import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { runSieve, type VacationAction } from "./interpret.ts";
import { parseSieve } from "./parse.ts";
import { testMessage } from "./test-message.ts";
import { buildVacationReply, vacationDecision, vacationHandle, type VacationInput } from "./vacation.ts";

const action: VacationAction = { reason: "I am away.", subject: null, from: null, addresses: [], handle: null, periodSeconds: null };
const user = ["alice@example.com"];

function decide(headers: Record<string, string | string[]>, overrides: Partial<VacationInput> = {}) {
  const message = testMessage({ headers: { from: "Bob <bob@example.org>", to: "Alice <alice@example.com>", subject: "Lunch", ...headers } });
  return vacationDecision({ action, envelopeFrom: "bob@example.org", headers: message.header, userAddresses: user, ...overrides });
}

describe("vacationDecision (RFC 5230 §4)", () => {
  it("answers a person who wrote to the user, at the return path, once per 7 days by default", () => {
    expect(decide({})).toEqual({ send: true, to: "bob@example.org", from: "alice@example.com", handle: vacationHandle(action), periodSeconds: 7 * 86_400 });
    expect(decide({ from: "Bob <bob@example.org>" }, { envelopeFrom: "<bob+bounces@example.org>" })).toMatchObject({ send: true, to: "bob+bounces@example.org" });
  });

  it.each([
    [{}, "", "the message has no return path (a bounce or notification)"],
    [{}, "<>", "the message has no return path (a bounce or notification)"],
    [{}, "MAILER-DAEMON@example.org", "MAILER-DAEMON@example.org is not a person's address"],
    [{}, "postmaster@example.org", "postmaster@example.org is not a person's address"],
    [{}, "owner-dev@lists.example.org", "owner-dev@lists.example.org is not a person's address"],
    [{}, "dev-request@lists.example.org", "dev-request@lists.example.org is not a person's address"],
    [{}, "noreply@example.org", "noreply@example.org is not a person's address"],
    [{}, "no-reply@example.org", "no-reply@example.org is not a person's address"],
    [{}, "do-not-reply@example.org", "do-not-reply@example.org is not a person's address"],
    [{}, "donotreply+123@example.org", "donotreply+123@example.org is not a person's address"],
    [{ from: "Shop <no_reply@shop.example>" }, "bounce-7@mail.shop.example", "bounce-7@mail.shop.example is not a person's address"],
    [{ from: "Shop <no_reply@shop.example>" }, "x@mail.shop.example", "no_reply@shop.example is not a person's address"],
    [{ "list-id": "<dev.lists.example.org>" }, "bob@example.org", "the message came through a mailing list (list-id)"],
    [{ "list-unsubscribe": "<mailto:u@example.org>" }, "bob@example.org", "the message came through a mailing list (list-unsubscribe)"],
    [{ "list-post": "<mailto:dev@example.org>" }, "bob@example.org", "the message came through a mailing list (list-post)"],
    [{ precedence: "bulk" }, "bob@example.org", "the message is bulk mail (Precedence: bulk)"],
    [{ precedence: " List" }, "bob@example.org", "the message is bulk mail (Precedence: list)"],
    [{ precedence: "junk" }, "bob@example.org", "the message is bulk mail (Precedence: junk)"],
    [{ "auto-submitted": "auto-replied" }, "bob@example.org", "the message was sent automatically (Auto-Submitted: auto-replied)"],
    [{ "auto-submitted": "auto-generated; type=dsn" }, "bob@example.org", "the message was sent automatically (Auto-Submitted: auto-generated)"],
    [{ "x-auto-response-suppress": "DR, OOF" }, "bob@example.org", "the sender asked for no automatic answers (X-Auto-Response-Suppress)"],
    [{ to: "dev@lists.example.org" }, "bob@example.org", "the user is not among the message's visible recipients"],
    [{}, "alice@example.com", "the message is from the user"],
    [{}, "not an address", "the return path is not a mail address"],
  ])("%j from %j: %s", (headers, envelopeFrom, reason) => {
    expect(decide(headers, { envelopeFrom })).toEqual({ send: false, reason });
  });

  it("answers Auto-Submitted: no, Cc and Bcc recipients, +details and the :addresses aliases", () => {
    expect(decide({ "auto-submitted": "no" }).send).toBe(true);
    expect(decide({ to: "team@example.org", cc: "ALICE@Example.COM" }).send).toBe(true);
    expect(decide({ to: "team@example.org", bcc: "alice@example.com" }).send).toBe(true);
    expect(decide({ to: "alice+travel@example.com" })).toMatchObject({ send: true, from: "alice+travel@example.com" });
    const withAlias = { ...action, addresses: ["a.smith@example.net"] };
    expect(decide({ to: "A. Smith <a.smith@example.net>" }, { action: withAlias })).toMatchObject({ send: true, from: "alice@example.com" });
    expect(decide({ to: "A. Smith <a.smith@example.net>" }).send).toBe(false);
  });

  it("answers from :from only when it is one of the user's addresses", () => {
    const userAddresses = ["alice@example.com", "alice@example.org"];
    expect(decide({}, { action: { ...action, from: "Alice <alice@example.org>" }, userAddresses })).toMatchObject({ from: "Alice <alice@example.org>" });
    expect(decide({}, { action: { ...action, from: "ceo@bank.example" }, userAddresses })).toMatchObject({ from: "alice@example.com" });
  });

  it("clamps the period to between one and 90 days", () => {
    expect(decide({}, { action: { ...action, periodSeconds: 0 } })).toMatchObject({ periodSeconds: 86_400 });
    expect(decide({}, { action: { ...action, periodSeconds: 60 } })).toMatchObject({ periodSeconds: 86_400 });
    expect(decide({}, { action: { ...action, periodSeconds: 3 * 86_400 } })).toMatchObject({ periodSeconds: 3 * 86_400 });
    expect(decide({}, { action: { ...action, periodSeconds: 365 * 86_400 } })).toMatchObject({ periodSeconds: 90 * 86_400 });
  });

  it("derives the handle from reason, :subject and :from unless :handle names it (§4.2)", () => {
    expect(vacationHandle(action)).toBe(vacationHandle({ ...action, addresses: ["x@example.org"], periodSeconds: 5 }));
    expect(vacationHandle(action)).not.toBe(vacationHandle({ ...action, reason: "Back Monday." }));
    expect(vacationHandle(action)).not.toBe(vacationHandle({ ...action, subject: "Away" }));
    expect(vacationHandle(action)).not.toBe(vacationHandle({ ...action, from: "alice@example.com" }));
    expect(vacationHandle({ ...action, handle: "summer" })).toBe("summer");
  });
});

describe("buildVacationReply (RFC 5230 §5, RFC 3834)", () => {
  const base = {
    from: "alice@example.com",
    to: "bob@example.org",
    subject: null,
    reason: "I am away until Monday.\r\nUrgent: call Carol.",
    inReplyTo: "<m2@example.org>",
    references: ["<m1@example.org>"],
    originalSubject: "Lunch on Friday?",
    date: new Date("2026-07-01T09:00:00Z"),
    messageId: "<vacation-1@example.com>",
  };

  it("answers with Auto-Submitted, In-Reply-To, References and the subject Auto: <original>", async () => {
    const raw = await buildVacationReply(base);
    const head = raw.toString("utf8").split("\r\n\r\n")[0]!;
    expect(head).toMatch(/^Auto-Submitted: auto-replied$/m);
    const mail = await PostalMime.parse(raw);
    expect(mail.subject).toBe("Auto: Lunch on Friday?");
    expect(mail.from).toMatchObject({ address: "alice@example.com" });
    expect(mail.to).toEqual([expect.objectContaining({ address: "bob@example.org" })]);
    expect(mail.inReplyTo).toBe("<m2@example.org>");
    expect(mail.references).toBe("<m1@example.org> <m2@example.org>");
    expect(mail.messageId).toBe("<vacation-1@example.com>");
    expect(mail.date).toBe("2026-07-01T09:00:00.000Z");
    expect(mail.text?.trim()).toBe("I am away until Monday.\nUrgent: call Carol.");
  });

  it("uses :subject when given, encodes non-ASCII, and names a message without subject", async () => {
    const custom = await PostalMime.parse(await buildVacationReply({ ...base, subject: "Abwesend – zurück am Montag" }));
    expect(custom.subject).toBe("Abwesend – zurück am Montag");
    const none = await PostalMime.parse(await buildVacationReply({ ...base, originalSubject: "  ", inReplyTo: null, references: [] }));
    expect(none.subject).toBe("Automated reply");
    expect(none.inReplyTo).toBeUndefined();
  });

  it("goes from a script's vacation through the decision to the bytes", async () => {
    const script = parseSieve('require "vacation";\nvacation :days 2 :subject "Away" :addresses "a.smith@example.com" "Back on Monday.";');
    const message = testMessage({ headers: { from: "bob@example.org", to: "a.smith@example.com", subject: "Hi", "message-id": "<q@example.org>" }, envelope: { from: "bob@example.org" } });
    const outcome = runSieve(script, message);
    const decision = vacationDecision({ action: outcome.vacation!, envelopeFrom: message.envelope.from, headers: message.header, userAddresses: user });
    expect(decision).toMatchObject({ send: true, to: "bob@example.org", from: "alice@example.com", periodSeconds: 2 * 86_400 });
    if (!decision.send) throw new Error("no answer");
    const reply = await PostalMime.parse(
      await buildVacationReply({ ...base, from: decision.from, to: decision.to, subject: outcome.vacation!.subject, reason: outcome.vacation!.reason, inReplyTo: "<q@example.org>", references: [] }),
    );
    expect(reply).toMatchObject({ subject: "Away", inReplyTo: "<q@example.org>", text: "Back on Monday.\n" });
  });
});
