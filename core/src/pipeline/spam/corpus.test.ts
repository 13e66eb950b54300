// The whole scorer on real mail: the classifier learns three quarters of the SpamAssassin corpus
// and every check judges the other quarter (npm run bench:spam does all four quarters and times it).
import { describe, expect, it } from "vitest";
import { arrivalTime, corpusRaw, NOTHING_VERIFIED, spamInput, trainedOnCorpus } from "../../../../test/support/spam-message.ts";
import { scoreMessage } from "./score.ts";

describe("SpamAssassin corpus, one fold", () => {
  it("sorts held-out spam from ham with few false positives", { timeout: 60_000 }, async () => {
    const { model, heldOut } = await trainedOnCorpus(4);
    expect(model.nspam + model.nham).toBeGreaterThan(4500);
    let fp = 0;
    let fn = 0;
    for (const m of heldOut) {
      const raw = corpusRaw(m);
      const result = await scoreMessage(await spamInput(raw, { auth: NOTHING_VERIFIED }), { bayes: { global: model }, now: arrivalTime(raw) });
      if (result.spam && m.kind === "ham") fp++;
      if (!result.spam && m.kind === "spam") fn++;
    }
    const ham = heldOut.filter((m) => m.kind === "ham").length;
    const spam = heldOut.length - ham;
    // Measured: 99.1% accuracy, 97.3% recall, no false positive (see bench:spam for all folds).
    expect(fp / ham).toBeLessThanOrEqual(0.005);
    expect((spam - fn) / spam).toBeGreaterThanOrEqual(0.96);
    expect((heldOut.length - fp - fn) / heldOut.length).toBeGreaterThanOrEqual(0.985);
  });
});
