// The scorer: every check's hits summed against the threshold, the X-Spam headers, and the
// outbound profile.
import { describe, expect, it } from "vitest";
import { rfc822, SENT_AT, spamInput } from "../../../../test/support/spam-message.ts";
import type { AuthVerdict } from "../../store/auth-verdict.ts";
import { GTUBE } from "./gtube.ts";
import { scoreMessage, scoreOutbound, spamHeaders, type SpamResult } from "./score.ts";

const at = { now: SENT_AT };
const FORGED: AuthVerdict = { spf: "fail", dkim: "fail", dmarc: "fail", arc: "none", dmarcPolicy: "quarantine", fromDomain: "bank.test" };

describe("scoreMessage", () => {
  it("sums the hits of every check and compares with the threshold", async () => {
    const raw = rfc822({ From: "PayPal <service@paypa1.com>", Subject: "Account notice", "Message-ID": null }, "Log in now.\n");
    const result = await scoreMessage(await spamInput(raw), at);
    expect(result.hits.map((h) => h.name).sort()).toEqual(["FROM_LOOKALIKE_DOMAIN", "FROM_NAME_BRAND_MISMATCH", "MISSING_MID"]);
    const sum = result.hits.reduce((s, h) => s + h.score, 0);
    expect(result.score).toBeCloseTo(sum, 5);
    expect(result.threshold).toBe(5);
    expect(result.score).toBeLessThan(5);
    expect(result.spam).toBe(false);
    const strict = await scoreMessage(await spamInput(raw), { ...at, threshold: 3 });
    expect(strict).toMatchObject({ threshold: 3, spam: true });
  });

  it("scores a plain message zero", async () => {
    expect(await scoreMessage(await spamInput(rfc822({}, "See you Thursday.\n")), at)).toEqual({ score: 0, threshold: 5, spam: false, hits: [] });
  });

  it("leaves sender authentication out of the outbound profile", async () => {
    const input = await spamInput(rfc822({}, "Please confirm your account.\n"), { auth: FORGED });
    expect((await scoreMessage(input, at)).spam).toBe(true);
    const outbound = await scoreOutbound(input, at);
    expect(outbound.hits).toEqual([]);
    expect(outbound.spam).toBe(false);
    // Content still counts outbound: a user sending GTUBE is held.
    expect((await scoreOutbound(await spamInput(rfc822({}, GTUBE)), at)).spam).toBe(true);
  });
});

describe("spamHeaders", () => {
  it("writes X-Spam-Score and X-Spam-Status as SpamAssassin does", () => {
    const result: SpamResult = { score: 7.3, threshold: 5, spam: true, hits: [{ name: "GTUBE", score: 1000 }, { name: "BAYES_99", score: 7 }] };
    expect(spamHeaders(result)).toBe("X-Spam-Score: 7.3\r\nX-Spam-Status: Yes, score=7.3 required=5.0 tests=BAYES_99,GTUBE\r\n");
    expect(spamHeaders({ score: -1.5, threshold: 5, spam: false, hits: [{ name: "BAYES_00", score: -1.5 }] })).toBe(
      "X-Spam-Score: -1.5\r\nX-Spam-Status: No, score=-1.5 required=5.0 tests=BAYES_00\r\n",
    );
    expect(spamHeaders({ score: 0, threshold: 5, spam: false, hits: [] })).toContain("tests=none\r\n");
  });

  it("folds a long tests list below 78 characters a line", () => {
    const names = ["BAYES_99", "DATE_IN_FUTURE_48_XX", "FREEMAIL_FORGED_REPLYTO", "FROM_LOOKALIKE_DOMAIN", "FROM_NAME_BRAND_MISMATCH", "HTML_HIDDEN_TEXT", "MIME_HTML_ONLY", "SUBJ_ALL_CAPS"];
    const text = spamHeaders({ score: 14.2, threshold: 5, spam: true, hits: names.map((name) => ({ name, score: 1 })) });
    const lines = text.split("\r\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.every((l) => l.length <= 78)).toBe(true);
    expect(lines.slice(2).every((l) => l.startsWith("\t"))).toBe(true);
    // Unfolded, it is the one-line header.
    expect(text.replace(/\r\n\t/g, "")).toContain(`tests=${names.join(",")}\r\n`);
    expect(text.endsWith("\r\n")).toBe(true);
  });
});

describe("hostile input", () => {
  it("scores a megabyte of unclosed comments, styles, anchors and punctuation quickly", async () => {
    const html = `<html><body>${"<!-- <style> <a href=x> <div style='display:none'> !!!!".repeat(20_000)}${"!".repeat(100_000)}x</body></html>`;
    const raw = rfc822({ "Content-Type": "text/html", Subject: `${"!a".repeat(400)}` }, html);
    // The parsed form is set directly: this is about the checks, not the MIME parser.
    const input = await spamInput(rfc822({ "Content-Type": "text/html" }, "<p>x</p>"));
    const hostile = { ...input, raw, mail: { ...input.mail, subject: "!a".repeat(400), html, text: null } };
    const started = performance.now();
    await scoreMessage(hostile, at);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
