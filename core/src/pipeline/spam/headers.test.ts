// Header heuristics on crafted messages: each fires on what it is meant for and stays quiet on a
// plain message from a person.
import { describe, expect, it } from "vitest";
import { rfc822, SENT_AT, spamInput } from "../../../../test/support/spam-message.ts";
import { buildContext } from "./context.ts";
import { headersCheck } from "./headers.ts";
import type { Hit } from "./input.ts";
import { lookalikeTarget, oneEditApart, skeleton } from "./lookalike.ts";

async function hits(headers: Record<string, string | null>, localDomains = ["example.test"]): Promise<Hit[]> {
  const input = await spamInput(rfc822(headers, "Hi Alice,\n\nsee you on Thursday.\n\nBob\n"), { localDomains });
  return headersCheck(input, buildContext(input, SENT_AT)) as Hit[];
}
const names = async (headers: Record<string, string | null>, localDomains?: string[]) => (await hits(headers, localDomains)).map((h) => h.name);
const dateAt = (ms: number) => new Date(ms).toUTCString().replace("GMT", "+0000");

describe("headers check", () => {
  it("finds nothing wrong with a plain message", async () => {
    expect(await hits({})).toEqual([]);
  });

  it("flags a missing or malformed Date", async () => {
    expect(await names({ Date: null })).toEqual(["MISSING_DATE"]);
    expect(await names({ Date: "yesterday at noon" })).toEqual(["INVALID_DATE"]);
    expect(await names({ Date: "2026-03-02 10:00:00" })).toEqual(["INVALID_DATE"]);
    // Obsolete but valid forms real mail uses are accepted.
    expect(await names({ Date: "2 Mar 26 10:00 GMT" })).toEqual([]);
  });

  it("flags a Date far from the time of arrival, but not a list's delay of a few days", async () => {
    const hour = 3600_000;
    expect(await names({ Date: dateAt(SENT_AT + 3 * 24 * hour) })).toEqual(["DATE_IN_FUTURE_48_XX"]);
    expect(await names({ Date: dateAt(SENT_AT + 20 * hour) })).toEqual(["DATE_IN_FUTURE_12_48"]);
    expect(await names({ Date: dateAt(SENT_AT + 2 * hour) })).toEqual([]);
    expect(await names({ Date: dateAt(SENT_AT - 60 * 24 * hour) })).toEqual(["DATE_IN_PAST_30D"]);
    expect(await names({ Date: dateAt(SENT_AT - 6 * 24 * hour) })).toEqual([]);
  });

  it("measures a late Date from the sender's first hop over SMTP, so replayed old mail is not late", async () => {
    const hour = 3600_000;
    const old = SENT_AT - 365 * 24 * hour;
    const delivered = (trace: string | null, date: number) => {
      const ours = `Received: from relay.remote.test ([192.0.2.1])\r\n\tby mx.example.test (edgemail) with ESMTP id 1; ${dateAt(SENT_AT)}\r\n`;
      const first = trace === null ? "" : `Received: from pc.remote.test ([192.0.2.9])\r\n\tby mail.remote.test with ESMTP id 2; ${trace}\r\n`;
      return Buffer.concat([Buffer.from(ours + first), rfc822({ Date: dateAt(date) }, "Hi Alice,\n")]);
    };
    const check = async (raw: Buffer) => {
      const input = await spamInput(raw, { client: { address: "192.0.2.1", helo: "relay.remote.test" } });
      return (headersCheck(input, buildContext(input, SENT_AT)) as Hit[]).map((h) => h.name);
    };
    // A year-old message whose trace is as old: an archive re-sent, not a forged date.
    expect(await check(delivered(dateAt(old + hour), old))).toEqual([]);
    // The same Date with a trace of today, or no trace but ours: late.
    expect(await check(delivered(dateAt(SENT_AT - hour), old))).toEqual(["DATE_IN_PAST_30D"]);
    expect(await check(delivered(null, old))).toEqual(["DATE_IN_PAST_30D"]);
    // A Date ahead of our arrival is measured from now, whatever the trace says.
    expect(await check(delivered(dateAt(SENT_AT + 3 * 24 * hour), SENT_AT + 3 * 24 * hour))).toEqual(["DATE_IN_FUTURE_48_XX"]);
  });

  it("flags a missing or malformed Message-ID", async () => {
    expect(await names({ "Message-ID": null })).toEqual(["MISSING_MID"]);
    expect(await names({ "Message-ID": "1234567" })).toEqual(["INVALID_MSGID"]);
    expect(await names({ "Message-ID": "<no-at-sign>" })).toEqual(["INVALID_MSGID"]);
  });

  it("flags a display name showing another organization's address", async () => {
    const forged = await hits({ From: '"service@paypal.com" <billing@evil.example>' });
    expect(forged.map((h) => h.name)).toContain("FROM_NAME_FORGED_ADDR");
    expect(forged.find((h) => h.name === "FROM_NAME_FORGED_ADDR")!.detail).toBe("service@paypal.com");
    // Outlook shows the address itself as the name; a name with the sender's own domain is fine.
    expect(await names({ From: '"bob@remote.test" <bob@remote.test>' })).toEqual([]);
    expect(await names({ From: '"orders@shop.remote.test" <noreply@remote.test>' })).toEqual([]);
  });

  it("flags a display name claiming a brand the sending domain is not", async () => {
    expect(await names({ From: "PayPal <service@account-check.example>" })).toEqual(["FROM_NAME_BRAND_MISMATCH"]);
    expect(await names({ From: "Wells Fargo Online <alerts@wf-secure.example>" })).toEqual(["FROM_NAME_BRAND_MISMATCH"]);
    expect(await names({ From: "PayPal <service@mail.paypal.de>" })).toEqual([]);
    expect(await names({ From: "Apple <no_reply@email.apple.com>" })).toEqual([]);
    // A word inside another word is not the brand.
    expect(await names({ From: "Pineapple Studio <hello@pineapple.example>" })).toEqual([]);
  });

  it("flags look-alikes of the recipient's own domain and of much-phished brands", async () => {
    expect(await names({ From: "IT <it@examp1e.test>" })).toEqual(["FROM_LOOKALIKE_DOMAIN"]);
    expect(await names({ From: "IT <it@exmaple.test>" })).toEqual(["FROM_LOOKALIKE_DOMAIN"]);
    expect(await names({ From: "Billing <billing@paypa1.com>" })).toEqual(["FROM_LOOKALIKE_DOMAIN"]);
    expect(await names({ From: "Billing <billing@rnicrosoft.com>" })).toEqual(["FROM_LOOKALIKE_DOMAIN"]);
    // pаypal.com with a Cyrillic а, as it arrives: in punycode.
    const idn = await hits({ From: "Billing <billing@xn--pypal-4ve.com>" });
    expect(idn.map((h) => h.name)).toEqual(["FROM_LOOKALIKE_DOMAIN"]);
    expect(idn[0]!.detail).toContain("paypal");
    expect(await names({ From: "IT <it@example.test>" })).toEqual([]);
    expect(await names({ From: "Jo <jo@ample.example>" })).toEqual([]);
  });

  it("flags replies steered to a free mailbox away from the sender's organization", async () => {
    const hit = await hits({ From: "CEO <ceo@company.example>", "Reply-To": "ceo.company@gmail.com" });
    expect(hit.map((h) => h.name)).toEqual(["FREEMAIL_FORGED_REPLYTO"]);
    expect(await names({ From: "CEO <ceo@company.example>", "Reply-To": "board@lists.company.example" })).toEqual([]);
    expect(await names({ From: "Bob <bob@gmail.com>", "Reply-To": "bob.other@gmail.com" })).toEqual([]);
  });

  it("flags a missing From", async () => {
    expect(await names({ From: null })).toEqual(["MISSING_FROM"]);
  });
});

describe("look-alike domains", () => {
  it("reads confusables and letter pairs as a reader does", () => {
    expect(skeleton("pаypal")).toBe(skeleton("paypal"));
    expect(skeleton("rnicrosoft")).toBe(skeleton("microsoft"));
    expect(skeleton("paypa1")).toBe(skeleton("paypal"));
    expect(skeleton("gооgle")).toBe(skeleton("google"));
  });

  it("counts one edit, including a swap of neighbours", () => {
    expect(oneEditApart("amazon", "arnazon")).toBe(false);
    expect(oneEditApart("amazon", "amazom")).toBe(true);
    expect(oneEditApart("amazon", "amzaon")).toBe(true);
    expect(oneEditApart("amazon", "amazoon")).toBe(true);
    expect(oneEditApart("amazon", "amzon")).toBe(true);
    expect(oneEditApart("amazon", "amazon")).toBe(false);
  });

  it("leaves the brands' own domains and unrelated ones alone", () => {
    expect(lookalikeTarget("mail.google.com", [])).toBeNull();
    expect(lookalikeTarget("paypal.co.uk", [])).toBeNull();
    expect(lookalikeTarget("remote.test", ["example.test"])).toBeNull();
    expect(lookalikeTarget("arnazon.com", [])).toBe("amazon");
  });
});
