// The learning classifier: counts that learn and unlearn exactly, rows that round-trip, silence
// until trained, a user's own training overriding the global model, and a verdict that never sends
// mail to Junk on its own (issue 14).
import { beforeAll, describe, expect, it } from "vitest";
import { corpusRaw, NOTHING_VERIFIED, rfc822, SENT_AT, spamInput, trainedOnCorpus } from "../../../../test/support/spam-message.ts";
import { BayesModel, learnDelta, type TokenRow } from "../../store/bayes-model.ts";
import { bayesHits, chi2Q, classify, classifyDetail, messageTokens } from "./bayes.ts";
import { DEFAULT_THRESHOLD, scoreMessage, scoreOutbound } from "./score.ts";
import type { CorpusMessage } from "../../../../test/support/corpus.ts";

const sorted = (rows: TokenRow[]) => [...rows].sort((a, b) => a.token - b.token);

async function tokensOf(raw: Buffer): Promise<number[]> {
  const input = await spamInput(raw);
  return messageTokens(raw, input.mail);
}

let global: BayesModel;
let heldOut: CorpusMessage[];

beforeAll(async () => {
  ({ model: global, heldOut } = await trainedOnCorpus(4, 2));
}, 60_000);

describe("counts", () => {
  it("learn then unlearn restores every count", async () => {
    const model = BayesModel.fromRows(global.totals(), global.toRows());
    const before = sorted(model.toRows());
    const tokens = await tokensOf(corpusRaw(heldOut.find((m) => m.kind === "ham")!));
    model.learn(tokens, "spam");
    expect(model.nspam).toBe(global.nspam + 1);
    expect(sorted(model.toRows())).not.toEqual(before);
    model.unlearn(tokens, "spam");
    expect(model.totals()).toEqual(global.totals());
    expect(sorted(model.toRows())).toEqual(before);
  });

  it("moving a message out of junk turns its spam counts into ham counts", async () => {
    const tokens = await tokensOf(rfc822({ Subject: "Quarterly report" }, "The quarterly report is attached.\n"));
    const model = new BayesModel();
    model.learn(tokens, "spam");
    model.unlearn(tokens, "spam");
    model.learn(tokens, "ham");
    expect(model.totals()).toEqual({ nspam: 0, nham: 1 });
    expect(model.toRows().every((r) => r.spam === 0 && r.ham === 1)).toBe(true);
    expect(model.size).toBe(new Set(tokens).size);
  });

  it("never goes below zero when unlearning what was not learned", () => {
    const model = new BayesModel();
    model.unlearn([1, 2, 3], "ham");
    expect(model.totals()).toEqual({ nspam: 0, nham: 0 });
    expect(model.toRows()).toEqual([]);
  });

  it("round-trips through rows, and a delta applied to a copy gives the same model", async () => {
    const copy = BayesModel.fromRows(global.totals(), global.toRows());
    expect(copy.size).toBe(global.size);
    const tokens = await tokensOf(corpusRaw(heldOut[0]!));
    const delta = learnDelta(tokens, "spam");
    expect(delta.nspam).toBe(1);
    expect(delta.rows.every((r) => r.spam === 1 && r.ham === 0)).toBe(true);
    const learned = BayesModel.fromRows(global.totals(), global.toRows());
    learned.learn(tokens, "spam");
    copy.apply(delta);
    expect(sorted(copy.toRows())).toEqual(sorted(learned.toRows()));
    expect(copy.totals()).toEqual(learned.totals());
  });

  it("ignores the X-Spam headers the scorer adds, so a stored copy trains like the one scored", async () => {
    const raw = corpusRaw(heldOut[1]!);
    const stored = Buffer.concat([Buffer.from("X-Spam-Score: 7.0\r\nX-Spam-Status: Yes, score=7.0 required=5.0 tests=BAYES_99\r\n"), raw]);
    expect(await tokensOf(stored)).toEqual(await tokensOf(raw));
  });
});

describe("classification", () => {
  it("is silent until enough spam and ham were learned", async () => {
    const young = new BayesModel();
    for (const m of heldOut.slice(0, 40)) young.learn(await tokensOf(corpusRaw(m)), m.kind);
    const raw = corpusRaw(heldOut.find((m) => m.kind === "spam")!);
    expect(classify(await tokensOf(raw), young)).toBeNull();
    const result = await scoreMessage(await spamInput(raw), { bayes: { global: young } });
    expect(result.hits.filter((h) => h.name.startsWith("BAYES_"))).toEqual([]);
    // The same message with a trained model does get a verdict.
    expect(classify(await tokensOf(raw), global)).not.toBeNull();
  });

  it("tells held-out spam from ham", async () => {
    const spam = heldOut.filter((m) => m.kind === "spam").slice(0, 30);
    const ham = heldOut.filter((m) => m.kind === "ham").slice(0, 30);
    const p = async (m: CorpusMessage) => classify(await tokensOf(corpusRaw(m)), global)!;
    const spamScores = await Promise.all(spam.map(p));
    const hamScores = await Promise.all(ham.map(p));
    expect(spamScores.filter((x) => x >= 0.5).length).toBeGreaterThanOrEqual(27);
    expect(hamScores.filter((x) => x < 0.5).length).toBeGreaterThanOrEqual(29);
  });

  it("lets a user's own reports override the global model", async () => {
    // A message everyone else would read as ham; this user keeps reporting its like as spam.
    const ham = heldOut.filter((m) => m.kind === "ham").map(corpusRaw);
    let target: Buffer | null = null;
    for (const raw of ham) if (classify(await tokensOf(raw), global)! < 0.01) target = raw;
    expect(target).not.toBeNull();
    const tokens = await tokensOf(target!);
    const user = new BayesModel();
    user.learn(tokens, "spam");
    expect(classify(tokens, global)!).toBeLessThan(0.01);
    expect(classify(tokens, global, user)!).toBeGreaterThan(0.99);
    const input = await spamInput(target!);
    expect((await scoreMessage(input, { bayes: { global } })).spam).toBe(false);
    expect((await scoreMessage(input, { bayes: { global, user } })).spam).toBe(true);
    // Another user, who did not report it, still gets it in the inbox.
    expect((await scoreMessage(input, { bayes: { global, user: new BayesModel() } })).spam).toBe(false);
  });
});

describe("chi-square", () => {
  it("matches known values", () => {
    // P(χ² with 2 degrees of freedom > x) = e^(-x/2)
    expect(chi2Q(2, 2)).toBeCloseTo(Math.exp(-1), 12);
    // χ² with 4 degrees of freedom: e^(-x/2) (1 + x/2)
    expect(chi2Q(3, 4)).toBeCloseTo(Math.exp(-1.5) * 2.5, 12);
    expect(chi2Q(0, 10)).toBe(1);
  });
});

describe("corroboration", () => {
  // A model that has seen enough to speak, in which the given tokens were seen only in spam.
  const spamOnly = (tokens: number[]) => BayesModel.fromRows({ nspam: 300, nham: 300 }, tokens.map((token) => ({ token, spam: 15, ham: 0 })));
  const note = rfc822({ Subject: "Lunch tomorrow?" }, "Lunch tomorrow at noon?\n");

  it("gives a handful of telling tokens a small part of the classifier's score, not a verdict", async () => {
    const tokens = await tokensOf(note);
    const model = spamOnly(tokens.slice(0, 6));
    expect(classifyDetail(tokens, model)).toEqual({ probability: expect.closeTo(1, 3), significant: 6 });
    const result = await scoreMessage(await spamInput(note), { bayes: { global: model }, now: SENT_AT });
    const bayes = result.hits.find((h) => h.name.startsWith("BAYES_"))!;
    expect(bayes.name).toBe("BAYES_999");
    expect(bayes.score).toBe(2.9); // 4.9 × 6/10, in tenths
    // With NO_AUTH beside it, still short of the threshold.
    expect((await scoreMessage(await spamInput(note, { auth: NOTHING_VERIFIED }), { bayes: { global: model }, now: SENT_AT })).spam).toBe(false);
  });

  it("never reaches the threshold alone, however sure; another check has to agree", async () => {
    const model = spamOnly(await tokensOf(note));
    expect(classifyDetail(await tokensOf(note), model)!.significant).toBeGreaterThanOrEqual(10);
    const alone = await scoreMessage(await spamInput(note), { bayes: { global: model }, now: SENT_AT });
    expect(alone.hits).toEqual([expect.objectContaining({ name: "BAYES_999", score: 4.9 })]);
    expect(alone.spam).toBe(false);
    // Corroborated (nothing about the sender verified), it is spam.
    expect((await scoreMessage(await spamInput(note, { auth: NOTHING_VERIFIED }), { bayes: { global: model }, now: SENT_AT })).spam).toBe(true);
    // Outgoing mail a user wrote is never held on the classifier's word alone.
    expect((await scoreOutbound(await spamInput(note), { bayes: { global: model }, now: SENT_AT })).spam).toBe(false);
  });

  it("keeps every band below the threshold", () => {
    for (const p of [0, 0.03, 0.1, 0.3, 0.45, 0.55, 0.7, 0.9, 0.97, 0.995, 1]) {
      expect(bayesHits({ probability: p, significant: 150 })[0]!.score).toBeLessThan(DEFAULT_THRESHOLD);
    }
  });
});
