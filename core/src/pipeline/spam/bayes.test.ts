// The learning classifier: counts that learn and unlearn exactly, rows that round-trip, silence
// until trained, and a user's own training overriding the global model.
import { beforeAll, describe, expect, it } from "vitest";
import { corpusRaw, rfc822, spamInput, trainedOnCorpus } from "../../../../test/support/spam-message.ts";
import { BayesModel, learnDelta, type TokenRow } from "../../store/bayes-model.ts";
import { chi2Q, classify, messageTokens } from "./bayes.ts";
import { scoreMessage } from "./score.ts";
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
