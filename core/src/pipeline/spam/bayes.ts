// The learning classifier: Gary Robinson's per-token probabilities combined with Fisher's
// chi-square method, as SpamBayes and SpamAssassin do. Unlike the naive product, chi-square
// combining says "unsure" (near 0.5) when a message has strong evidence both ways, instead of
// swinging to whichever side has one more extreme token.
//
// Per-user adjustment: a user's own training is added on top of the global counts with a weight, so
// a few of their reports outweigh the many messages of everyone else on the same tokens.
import type { ParsedMail } from "../../mail-format/parse.ts";
import { hamCount, spamCount, type BayesModel } from "../../store/bayes-model.ts";
import { buildContext } from "./context.ts";
import type { Check, Hit, SpamInput } from "./input.ts";
import { tokenHashes, tokenize } from "./tokenize.ts";

export interface BayesOptions {
  /** Below these many learned spam and ham (global and user together) the classifier abstains. */
  minSpam: number;
  minHam: number;
  /** How many messages' worth one of the user's own counts is. */
  userWeight: number;
  /** Robinson's s and x: how strongly an unknown token's probability stays at x. */
  unknownStrength: number;
  unknownProb: number;
  /** Tokens with |p - 0.5| below this carry no evidence and are skipped. */
  minStrength: number;
  /** At most this many of the most extreme tokens are combined. */
  maxDiscriminators: number;
  /** With fewer telling tokens than this, the verdict's score is cut in proportion (see bayesHits). */
  minSignificant: number;
}

// SpamAssassin's chi-square settings (s = 0.1, strength 0.346, 150 tokens, 200 of each before
// scoring); on the corpus bench they did better than SpamBayes's (0.45, 0.1), which let many weak
// tokens blur the verdict on newsletters.
export const DEFAULT_BAYES_OPTIONS: BayesOptions = {
  minSpam: 200,
  minHam: 200,
  userWeight: 5,
  unknownStrength: 0.1,
  unknownProb: 0.5,
  minStrength: 0.346,
  maxDiscriminators: 150,
  minSignificant: 10,
};

export interface BayesModels {
  global: BayesModel;
  /** The recipient's own training, if any. */
  user?: BayesModel | null;
}

/** Probability that a chi-square variable with v (even) degrees of freedom exceeds x2. */
export function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

export interface Classification {
  /** 0 = ham, 1 = spam; 0.5 = unsure. */
  probability: number;
  /** How many tokens carried evidence (what the probability rests on). */
  significant: number;
}

/** The spam probability of a message's tokens and how much evidence it rests on, or null while too
 * little has been learned to say anything. */
export function classifyDetail(tokens: Iterable<number>, global: BayesModel, user?: BayesModel | null, options: Partial<BayesOptions> = {}): Classification | null {
  const o = { ...DEFAULT_BAYES_OPTIONS, ...options };
  const w = user ? o.userWeight : 0;
  const nspam = global.nspam + w * (user?.nspam ?? 0);
  const nham = global.nham + w * (user?.nham ?? 0);
  if (global.nspam + (user?.nspam ?? 0) < o.minSpam || global.nham + (user?.nham ?? 0) < o.minHam || nspam === 0 || nham === 0) return null;

  const strengths: number[] = [];
  for (const token of tokens) {
    const g = global.packed(token);
    const u = user ? user.packed(token) : 0;
    if (g === 0 && u === 0) continue;
    const spam = spamCount(g) + w * spamCount(u);
    const ham = hamCount(g) + w * hamCount(u);
    const spamRatio = spam / nspam;
    const hamRatio = ham / nham;
    const p = spamRatio / (spamRatio + hamRatio);
    const n = spam + ham;
    const f = (o.unknownStrength * o.unknownProb + n * p) / (o.unknownStrength + n);
    if (Math.abs(f - 0.5) >= o.minStrength) strengths.push(f);
  }
  if (strengths.length === 0) return { probability: 0.5, significant: 0 };
  if (strengths.length > o.maxDiscriminators) {
    strengths.sort((a, b) => Math.abs(b - 0.5) - Math.abs(a - 0.5));
    strengths.length = o.maxDiscriminators;
  }
  let lnSpam = 0;
  let lnHam = 0;
  for (const f of strengths) {
    lnHam += Math.log(f);
    lnSpam += Math.log(1 - f);
  }
  const n = strengths.length;
  const s = 1 - chi2Q(-2 * lnSpam, 2 * n);
  const h = 1 - chi2Q(-2 * lnHam, 2 * n);
  return { probability: (s - h + 1) / 2, significant: n };
}

/** The spam probability of a message's tokens (0 = ham, 1 = spam), or null while too little has been
 * learned to say anything. */
export function classify(tokens: Iterable<number>, global: BayesModel, user?: BayesModel | null, options: Partial<BayesOptions> = {}): number | null {
  return classifyDetail(tokens, global, user, options)?.probability ?? null;
}

// The verdict in bands named as SpamAssassin names them (BAYES_99: 0.99 and up). The classifier is
// never enough on its own: every band stays below the threshold of 5, and another check has to agree
// (as in SpamAssassin, where BAYES_99 is worth 3.5 against 5). Chi-square combining puts a message
// near 0.5 when it has strong evidence both ways; on the SpamAssassin corpus those were spam four
// times out of five (mailing-list spam, advance-fee letters quoting news), so from 0.5 up the
// classifier gives nearly all it can, and just below it the other checks must bring a point.
// Higher bands score a little higher so that the authentication passes spammers' own domains have
// do not by themselves pull a sure verdict back.
const BANDS: { below: number; name: string; score: number }[] = [
  { below: 0.01, name: "BAYES_00", score: -1.5 },
  { below: 0.05, name: "BAYES_05", score: -0.5 },
  { below: 0.2, name: "BAYES_20", score: 0 },
  { below: 0.4, name: "BAYES_40", score: 0 },
  { below: 0.5, name: "BAYES_45", score: 4.0 },
  { below: 0.6, name: "BAYES_50", score: 4.5 },
  { below: 0.8, name: "BAYES_60", score: 4.5 },
  { below: 0.95, name: "BAYES_80", score: 4.6 },
  { below: 0.99, name: "BAYES_95", score: 4.7 },
  { below: 0.999, name: "BAYES_99", score: 4.8 },
  { below: Infinity, name: "BAYES_999", score: 4.9 },
];

/** The classifier's hit: its band, scored in proportion to the evidence when fewer than
 * minSignificant tokens told anything. A two-line note has a handful of telling tokens, often
 * structural ones (its size, its Date's zone, a name seen once) that by chance were seen in spam,
 * and chi-square combining calls even two of them BAYES_99; that is a guess, not a verdict. */
export function bayesHits(result: Classification, minSignificant = DEFAULT_BAYES_OPTIONS.minSignificant): Hit[] {
  if (result.significant === 0) return [];
  const band = BANDS.find((b) => result.probability < b.below)!;
  const confidence = Math.min(1, result.significant / minSignificant);
  const score = Math.round(band.score * confidence * 10) / 10;
  return [{ name: band.name, score, detail: `${result.probability.toFixed(4)}, ${result.significant} tokens` }];
}

export function bayesCheck(models: BayesModels, options: Partial<BayesOptions> = {}): Check {
  const o = { ...DEFAULT_BAYES_OPTIONS, ...options };
  return (input, ctx) => {
    // A model too young to speak gives no verdict: do not even cut the message into tokens.
    const { global, user } = models;
    if (global.nspam + (user?.nspam ?? 0) < o.minSpam || global.nham + (user?.nham ?? 0) < o.minHam) return [];
    const result = classifyDetail(tokenHashes(tokenize(input, ctx)), models.global, models.user, options);
    return result === null ? [] : bayesHits(result, o.minSignificant);
  };
}

/** The tokens to learn a message by: the same ones the classifier reads when scoring it. */
export function messageTokens(raw: Buffer, mail: ParsedMail): number[] {
  const input: SpamInput = { raw, mail, client: null, auth: null, localDomains: [] };
  return tokenHashes(tokenize(input, buildContext(input, Date.now())));
}
