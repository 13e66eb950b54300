// The splits every mode of bench:spam judges: split k holds out every 4th message of the corpus's
// file order from the k-th on (a quarter of each part: easy ham, hard ham, spam) and learns the rest,
// so the in-process scorer, the product path and SpamAssassin see the same messages.
import { corpusFiles, readCorpusMessage, type CorpusMessage } from "../test/support/corpus.ts";

export const SPLITS = 4;

export interface Split {
  index: number;
  learn: CorpusMessage[];
  test: CorpusMessage[];
}

export function corpusSplits(count = SPLITS): Split[] {
  const all = corpusFiles().map(readCorpusMessage);
  return Array.from({ length: count }, (_, k) => ({
    index: k + 1,
    learn: all.filter((_, i) => i % SPLITS !== k),
    test: all.filter((_, i) => i % SPLITS === k),
  }));
}

/** One split's verdicts: false positives are ham judged spam (sent to Junk), misses spam judged ham. */
export interface SplitResult {
  split: number;
  ham: number;
  spam: number;
  falsePositives: number;
  missed: number;
  /** Messages that never got a verdict (refused over SMTP, not counted in the rates). */
  lost?: number;
  note?: string;
}

export const pct = (n: number) => `${(n * 100).toFixed(2)}%`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const rates = (r: SplitResult) => ({
  fp: r.falsePositives / r.ham,
  accuracy: (r.ham + r.spam - r.falsePositives - r.missed) / (r.ham + r.spam),
  recall: (r.spam - r.missed) / r.spam,
});

export function splitLine(label: string, r: SplitResult): string {
  const x = rates(r);
  return (
    `${label} split ${r.split}: false positives ${pct(x.fp)} (${r.falsePositives}/${r.ham} ham)  accuracy ${pct(x.accuracy)}  ` +
    `spam recall ${pct(x.recall)} (missed ${r.missed}/${r.spam})${r.lost ? `  ${r.lost} not delivered` : ""}${r.note ? `  ${r.note}` : ""}`
  );
}

/** The medians over splits, and whether every split meets issue 14's goal (FP <= 0.3%, accuracy >= 99.3%). */
export function summary(label: string, results: SplitResult[]): string {
  const all = results.map(rates);
  const met = all.every((x) => x.fp <= 0.003 && x.accuracy >= 0.993);
  return (
    `${label}, median of ${results.length} splits: false positives ${pct(median(all.map((x) => x.fp)))}  accuracy ${pct(median(all.map((x) => x.accuracy)))}  ` +
    `spam recall ${pct(median(all.map((x) => x.recall)))}; goal (every split: false positives <= 0.3%, accuracy >= 99.3%): ${met ? "met" : "NOT met"}`
  );
}
