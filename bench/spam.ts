// npm run bench:spam [-- --product --peer --splits 4 --sessions 4 --verbose]
//
// The spam filter on the SpamAssassin public corpus (6,046 messages of 2002: easy and hard ham, spam),
// in 4 splits (bench/spam-splits.ts): the classifier learns 75% of the corpus and the filter judges
// the other 25%. Prints, per split and as medians: false positives (ham that would go to Junk),
// accuracy and spam recall.
//
// In-process (the default): the scorer called directly, every check but DNS blocklists, with the
// authentication verdict our MX reaches for 2002 mail (nothing verified), plus the time to score a
// message. --product: through the product instead (bench/spam-product.ts: `spam learn`, SMTP, Junk
// counted through the edge's API). --peer: SpamAssassin on the same splits (bench/spam-peer.ts).
// --verbose lists every misjudged message and its hits.
import { parseArgs } from "node:util";
import { parseMail, type ParsedMail } from "../core/src/mail-format/parse.ts";
import { BayesModel } from "../core/src/store/bayes-model.ts";
import { messageTokens } from "../core/src/pipeline/spam/bayes.ts";
import type { SpamInput } from "../core/src/pipeline/spam/input.ts";
import { scoreMessage, type SpamResult } from "../core/src/pipeline/spam/score.ts";
import { corpusFiles, readCorpusMessage } from "../test/support/corpus.ts";
import { arrivalTime, corpusRaw, NOTHING_VERIFIED } from "../test/support/spam-message.ts";
import { spamAssassinAvailable, spamAssassinSplit } from "./spam-peer.ts";
import { productSplit } from "./spam-product.ts";
import { corpusSplits, pct, SPLITS, splitLine, summary, type SplitResult } from "./spam-splits.ts";

const { values: args } = parseArgs({
  options: {
    verbose: { type: "boolean", default: false },
    product: { type: "boolean", default: false },
    peer: { type: "boolean", default: false },
    splits: { type: "string", default: String(SPLITS) },
    sessions: { type: "string", default: "4" },
  },
});
const FOLDS = SPLITS;
const splitCount = Math.min(SPLITS, Math.max(1, Number(args.splits)));

interface Sample {
  file: string;
  kind: "ham" | "spam";
  raw: Buffer;
  mail: ParsedMail;
  /** When the message arrived: see arrivalTime(). */
  receivedAt: number;
  tokens: number[];
}

async function inProcess(): Promise<SplitResult[]> {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };

  const loadStart = performance.now();
  const samples: Sample[] = [];
  const parseTimes: number[] = [];
  for (const file of corpusFiles()) {
    const m = readCorpusMessage(file);
    // As the message would be stored after SMTP: CRLF line ends.
    const raw = corpusRaw(m);
    const t = performance.now();
    const mail = await parseMail(raw);
    parseTimes.push(performance.now() - t);
    samples.push({ file, kind: m.kind, raw, mail, receivedAt: arrivalTime(raw), tokens: messageTokens(raw, mail) });
  }
  const hamTotal = samples.filter((s) => s.kind === "ham").length;
  console.log(`corpus: ${samples.length} messages (${hamTotal} ham, ${samples.length - hamTotal} spam), loaded and parsed in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  console.log(`parse (postal-mime, before scoring, not counted below): median ${median(parseTimes).toFixed(3)} ms/message\n`);

  interface FoldResult {
    fold: number;
    accuracy: number;
    recall: number;
    fpRate: number;
    fp: number;
    fn: number;
    ham: number;
    spam: number;
    medianMs: number;
    perSecond: number;
    tokens: number;
  }

  const results: FoldResult[] = [];
  const splitResults: SplitResult[] = [];
  for (let fold = 0; fold < splitCount; fold++) {
    // Every fourth message of the corpus's file order: each fold holds a quarter of each of its parts.
    const test = samples.filter((_, i) => i % FOLDS === fold);
    const global = new BayesModel();
    samples.forEach((s, i) => {
      if (i % FOLDS !== fold) global.learn(s.tokens, s.kind);
    });

    const times: number[] = [];
    const misjudged: { s: Sample; r: SpamResult }[] = [];
    let fp = 0;
    let fn = 0;
    const wallStart = performance.now();
    for (const s of test) {
      const input: SpamInput = { raw: s.raw, mail: s.mail, client: null, auth: NOTHING_VERIFIED, localDomains: ["example.com"] };
      const t = performance.now();
      const r = await scoreMessage(input, { bayes: { global }, now: s.receivedAt });
      times.push(performance.now() - t);
      if (r.spam !== (s.kind === "spam")) {
        if (r.spam) fp++;
        else fn++;
        misjudged.push({ s, r });
      }
    }
    const wall = performance.now() - wallStart;
    const ham = test.filter((s) => s.kind === "ham").length;
    const spam = test.length - ham;
    const result: FoldResult = {
      fold: fold + 1,
      accuracy: (test.length - fp - fn) / test.length,
      recall: (spam - fn) / spam,
      fpRate: fp / ham,
      fp,
      fn,
      ham,
      spam,
      medianMs: median(times),
      perSecond: test.length / (wall / 1000),
      tokens: global.size,
    };
    results.push(result);
    splitResults.push({ split: fold + 1, ham, spam, falsePositives: fp, missed: fn });
    console.log(
      `fold ${result.fold}: accuracy ${pct(result.accuracy)}  spam recall ${pct(result.recall)}  false positives ${pct(result.fpRate)} (${fp}/${ham} ham)  missed spam ${fn}/${spam}  ` +
        `${result.medianMs.toFixed(3)} ms/message median, ${result.perSecond.toFixed(0)} messages/s  (model: ${result.tokens} tokens)`,
    );
    if (args.verbose) {
      for (const { s, r } of misjudged) {
        console.log(`   ${s.kind === "ham" ? "FP" : "FN"} ${s.file} score=${r.score} ${r.hits.map((h) => `${h.name}(${h.score})`).join(" ")} | ${s.mail.subject.slice(0, 60)}`);
      }
    }
  }

  const med = (pick: (r: FoldResult) => number) => median(results.map(pick));
  console.log(`in-process: ${med((r) => r.medianMs).toFixed(3)} ms/message median, ${med((r) => r.perSecond).toFixed(0)} messages/s`);
  return splitResults;
}

const ours: SplitResult[] = [];
if (args.product) {
  console.log(`through the product (npm start's stack): spam learn, SMTP with ${args.sessions} sessions, Junk counted through the edge's API`);
  for (const split of corpusSplits(splitCount)) {
    const r = await productSplit(split, { sessions: Number(args.sessions), verbose: args.verbose });
    ours.push(r);
    console.log(splitLine("edgemail (product)", r));
  }
} else ours.push(...(await inProcess()));

const peer: SplitResult[] = [];
if (args.peer) {
  if (!(await spamAssassinAvailable())) console.error("--peer: spamassassin not found (apt-get install spamassassin); skipped");
  else
    for (const split of corpusSplits(splitCount)) {
      const r = await spamAssassinSplit(split);
      peer.push(r);
      console.log(splitLine("SpamAssassin", r));
    }
}

console.log("");
for (const r of ours) console.log(splitLine(args.product ? "edgemail (product)" : "edgemail (in-process)", r));
for (const r of peer) console.log(splitLine("SpamAssassin", r));
console.log(summary(args.product ? "edgemail (product)" : "edgemail (in-process)", ours));
if (peer.length) console.log(summary("SpamAssassin", peer));
