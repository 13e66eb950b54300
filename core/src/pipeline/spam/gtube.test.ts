// GTUBE: the test string makes any message spam, whatever else the message looks like.
import { beforeAll, describe, expect, it } from "vitest";
import { corpusRaw, rfc822, spamInput, trainedOnCorpus } from "../../../../test/support/spam-message.ts";
import type { BayesModel } from "../../store/bayes-model.ts";
import { GTUBE } from "./gtube.ts";
import { scoreMessage } from "./score.ts";

let global: BayesModel;
let hamRaw: Buffer;

beforeAll(async () => {
  const { model, heldOut } = await trainedOnCorpus(4, 2);
  global = model;
  // A held-out ham the trained classifier is sure about.
  for (const m of heldOut.filter((m) => m.kind === "ham")) {
    const result = await scoreMessage(await spamInput(corpusRaw(m)), { bayes: { global } });
    if (result.hits.some((h) => h.name === "BAYES_00")) {
      hamRaw = corpusRaw(m);
      break;
    }
  }
}, 60_000);

describe("GTUBE", () => {
  it("makes a plain message spam", async () => {
    const result = await scoreMessage(await spamInput(rfc822({}, `Hello,\n\n${GTUBE}\n`)));
    expect(result.spam).toBe(true);
    expect(result.hits).toContainEqual({ name: "GTUBE", score: 1000 });
  });

  it("is found in a base64 body", async () => {
    const body = Buffer.from(`Please ignore.\n${GTUBE}\n`).toString("base64");
    const raw = rfc822({ "Content-Transfer-Encoding": "base64" }, body);
    expect(raw.includes(GTUBE)).toBe(false);
    expect((await scoreMessage(await spamInput(raw))).spam).toBe(true);
  });

  it("wins over a classifier that is sure the message is ham", async () => {
    expect(hamRaw).toBeDefined();
    const before = await scoreMessage(await spamInput(hamRaw), { bayes: { global } });
    expect(before.spam).toBe(false);
    const split = hamRaw.indexOf("\r\n\r\n") + 4;
    const withGtube = Buffer.concat([hamRaw.subarray(0, split), Buffer.from(`${GTUBE}\r\n\r\n`), hamRaw.subarray(split)]);
    const after = await scoreMessage(await spamInput(withGtube), { bayes: { global } });
    expect(after.hits.map((h) => h.name)).toEqual(expect.arrayContaining(["GTUBE", "BAYES_00"]));
    expect(after.spam).toBe(true);
  });

  it("is not matched by a near miss", async () => {
    const result = await scoreMessage(await spamInput(rfc822({}, GTUBE.replace("GTUBE", "GTUBF"))));
    expect(result.hits.map((h) => h.name)).not.toContain("GTUBE");
  });
});
