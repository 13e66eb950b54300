// Submission sends only as the signed-in user: every way a message can name its sender is checked,
// over a real submission session (AUTH, MAIL, RCPT, DATA) against a real core.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smtpConnect } from "../../../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";

const PASSWORD = "correct horse battery";
let core: TempCore;

beforeAll(async () => {
  core = await startTempCore();
  const alice = await core.addUser("alice@example.test", PASSWORD);
  await core.addUser("bob@example.test", PASSWORD);
  await core.directory.addAlias("sales@example.test", alice.id);
  await core.directory.addDomainAlias("example.net", "example.test");
});
afterAll(() => core?.destroy());

/** Alice submits a message with these header lines (to herself); the final reply. */
async function submit(headers: string, mailFrom = "alice@example.test"): Promise<string> {
  const s = await smtpConnect(core.submissionPort);
  try {
    await s.command("EHLO app.test");
    expect(await s.command(`AUTH PLAIN ${Buffer.from(`\0alice@example.test\0${PASSWORD}`).toString("base64")}`)).toMatch(/^235 /);
    const mail = await s.command(`MAIL FROM:<${mailFrom}>`);
    if (!mail.startsWith("250")) return mail;
    expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250 /);
    return await s.data(`${headers}To: alice@example.test\r\nSubject: identity\r\n\r\nHello.\r\n`);
  } finally {
    await s.close();
  }
}

const b64 = (text: string) => `=?utf-8?B?${Buffer.from(text).toString("base64")}?=`;

describe("submission's sender identity", () => {
  it.each([
    ["a second From header", "From: alice@example.test\r\nFrom: ceo@bank.test\r\n", /more than one From header/],
    ["a second From spelled the obsolete way", "From: alice@example.test\r\nfrom : ceo@bank.test\r\n", /more than one From header/],
    ["a second address in From", "From: alice@example.test, ceo@bank.test\r\n", /<ceo@bank\.test> in the From header is not one of your addresses/],
    ["a second address on a folded line", "From: Alice <alice@example.test>,\r\n CEO <ceo@bank.test>\r\n", /<ceo@bank\.test> in the From header/],
    ["another address inside a group", "From: Team: alice@example.test, ceo@bank.test;\r\n", /<ceo@bank\.test> in the From header/],
    ["an empty group", "From: undisclosed-recipients:;\r\n", /the From header names no address/],
    ["an address of ours as the display name", `From: "alice@example.test" <ceo@bank.test>\r\n`, /<ceo@bank\.test> in the From header/],
    ["another's address as the display name", `From: "ceo@bank.test" <alice@example.test>\r\n`, /the name "ceo@bank\.test" in the From header shows <ceo@bank\.test>/],
    ["a second angle address read as a name", "From: <alice@example.test> <ceo@bank.test>\r\n", /shows <ceo@bank\.test>/],
    ["a group named like another's address", "From: ceo@bank.test: alice@example.test;\r\n", /shows <ceo@bank\.test>/],
    ["an encoded word hiding the address", `From: ${b64('"CEO" <ceo@bank.test>')}\r\n`, /<ceo@bank\.test> in the From header/],
    ["an encoded word as the whole From", `From: ${b64("ceo@bank.test")}\r\n`, /the From header has "ceo@bank\.test" without an address/],
    ["an encoded display name showing another's address", `From: ${b64("ceo@bank.test")} <alice@example.test>\r\n`, /shows <ceo@bank\.test>/],
    ["another user's subaddress", "From: bob+work@example.test\r\n", /<bob\+work@example\.test> in the From header/],
    ["no From at all", "", /the message has no From header/],
    ["an empty From", "From: \r\n", /the From header names no address/],
    ["a name without an address", "From: Alice\r\n", /the From header has "Alice" without an address/],
    ["a Sender of another", "From: alice@example.test\r\nSender: bob@example.test\r\n", /<bob@example\.test> in the Sender header/],
    ["two Sender headers", "From: alice@example.test\r\nSender: alice@example.test\r\nSender: sales@example.test\r\n", /more than one Sender header/],
    ["a forged resent block", "From: alice@example.test\r\nResent-From: ceo@bank.test\r\n", /<ceo@bank\.test> in the Resent-From header/],
    ["a Resent-Sender of another", "From: alice@example.test\r\nResent-From: alice@example.test\r\nResent-Sender: bob@example.test\r\n", /<bob@example\.test> in the Resent-Sender header/],
  ])("refuses %s with 553 5.7.1 and says what is wrong", async (_case, headers, text) => {
    const reply = await submit(headers);
    expect(reply).toMatch(/^553 5\.7\.1 /);
    expect(reply).toMatch(text);
  });

  it.each([
    ["the user's address with a name", "From: Alice <alice@example.test>\r\n"],
    ["an encoded display name", `From: ${b64("Alice Müller")} <alice@example.test>\r\n`],
    ["the address as its own display name", `From: "alice@example.test" <alice@example.test>\r\n`],
    ["an alias", "From: Sales <sales@example.test>\r\n"],
    ["a domain alias, in other case", "From: ALICE@Example.NET\r\n"],
    ["a subaddress", "From: alice+lists@example.test\r\n"],
    ["a group of own addresses", "From: Alice and Sales: alice@example.test, sales@example.test;\r\n"],
    ["a Sender and a resent block of own addresses", "From: sales@example.test\r\nSender: alice@example.test\r\nResent-From: alice+fwd@example.net\r\n"],
  ])("accepts %s", async (_case, headers) => {
    expect(await submit(headers)).toMatch(/^250 2\.0\.0 /);
  });

  it("checks the envelope sender by what it resolves to", async () => {
    expect(await submit("From: alice@example.test\r\n", "alice+x@example.net")).toMatch(/^250 /);
    expect(await submit("From: alice@example.test\r\n", "bob+x@example.test")).toMatch(/^553 5\.7\.1 <bob\+x@example\.test>/);
  });
});
