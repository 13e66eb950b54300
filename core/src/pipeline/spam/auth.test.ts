// Sender authentication as scores: forged mail loses points, authenticated mail gains a little.
import { describe, expect, it } from "vitest";
import { rfc822, spamInput } from "../../../../test/support/spam-message.ts";
import type { AuthVerdict } from "../../store/auth-verdict.ts";
import { authCheck } from "./auth.ts";
import { buildContext } from "./context.ts";
import { scoreMessage } from "./score.ts";

const PASSING: AuthVerdict = { spf: "pass", dkim: "pass", dmarc: "pass", arc: "none", dmarcPolicy: "reject", fromDomain: "remote.test" };

async function hitsFor(auth: AuthVerdict | null) {
  const input = await spamInput(rfc822({}, "Hi Alice, see you on Thursday.\n"), { auth });
  return authCheck(input, buildContext(input, Date.now())) as { name: string; score: number }[];
}

const names = (hits: { name: string }[]) => hits.map((h) => h.name).sort();

describe("auth check", () => {
  it("subtracts a little for mail that passes everything", async () => {
    const hits = await hitsFor(PASSING);
    expect(names(hits)).toEqual(["DKIM_VALID", "DMARC_PASS", "SPF_PASS"]);
    expect(hits.reduce((s, h) => s + h.score, 0)).toBeLessThan(0);
    expect(hits.reduce((s, h) => s + h.score, 0)).toBeGreaterThan(-1);
  });

  it("scores SPF fail above softfail", async () => {
    const fail = (await hitsFor({ ...PASSING, spf: "fail" })).find((h) => h.name === "SPF_FAIL")!;
    const soft = (await hitsFor({ ...PASSING, spf: "softfail" })).find((h) => h.name === "SPF_SOFTFAIL")!;
    expect(fail.score).toBeGreaterThan(soft.score);
    expect(soft.score).toBeGreaterThan(0);
  });

  it("scores a broken DKIM signature", async () => {
    expect(names(await hitsFor({ ...PASSING, dkim: "fail" }))).toContain("DKIM_INVALID");
  });

  it("sends a DMARC failure under p=quarantine to junk on its own, and weighs p=none lightly", async () => {
    const forged: AuthVerdict = { spf: "fail", dkim: "none", dmarc: "fail", arc: "none", dmarcPolicy: "quarantine", fromDomain: "bank.test" };
    const input = await spamInput(rfc822({ From: "Bank <security@bank.test>" }, "Please confirm your account.\n"), { auth: forged });
    const result = await scoreMessage(input);
    expect(result.hits.map((h) => h.name)).toContain("DMARC_QUARANTINE");
    expect(result.spam).toBe(true);
    const none = await hitsFor({ ...forged, dmarcPolicy: "none" });
    expect(none.find((h) => h.name === "DMARC_NONE")!.score).toBeLessThan(1);
    expect(names(await hitsFor({ ...forged, dmarcPolicy: "reject" }))).toContain("DMARC_REJECT");
  });

  it("notes mail with no authentication at all", async () => {
    expect(names(await hitsFor({ spf: "none", dkim: "none", dmarc: "none", arc: "none", dmarcPolicy: null, fromDomain: "remote.test" }))).toEqual(["NO_AUTH"]);
  });

  it("says nothing when authentication did not run", async () => {
    expect(await hitsFor(null)).toEqual([]);
  });
});
