// The counts a learning classifier keeps: for each token, in how many spam and how many ham
// messages it was seen, plus how many of each were learned. Plain rows in and out, so the caller can
// keep them in a database table (token, spam, ham) and a totals row (nspam, nham), and persist each
// learn as the delta it returns. The store holds this model (spam-model.ts); the classifier that
// reads it (pipeline/spam/bayes.ts) and the training that writes it sit above.

export type Verdict = "spam" | "ham";

export interface TokenRow {
  token: number;
  spam: number;
  ham: number;
}

export interface BayesTotals {
  nspam: number;
  nham: number;
}

/** Signed changes to apply: rows add to a token's counts (counts never go below zero). */
export interface BayesDelta extends BayesTotals {
  rows: TokenRow[];
}

// Both counts of a token in one number (spam * 2^26 + ham): one map entry per token, no object.
const HAM_SPAN = 2 ** 26;
const MAX_COUNT = HAM_SPAN - 1;

export function spamCount(packed: number): number {
  return Math.floor(packed / HAM_SPAN);
}

export function hamCount(packed: number): number {
  return packed % HAM_SPAN;
}

function clamp(n: number): number {
  return n < 0 ? 0 : n > MAX_COUNT ? MAX_COUNT : n;
}

/** The delta of learning (direction 1) or unlearning (-1) one message's tokens as spam or ham. */
export function learnDelta(tokens: Iterable<number>, as: Verdict, direction: 1 | -1 = 1): BayesDelta {
  const rows: TokenRow[] = [];
  for (const token of new Set(tokens)) rows.push({ token, spam: as === "spam" ? direction : 0, ham: as === "ham" ? direction : 0 });
  return { nspam: as === "spam" ? direction : 0, nham: as === "ham" ? direction : 0, rows };
}

/** Several deltas as one, each token's changes summed, so storing it writes every token once. */
export function mergeDeltas(deltas: Iterable<BayesDelta>): BayesDelta {
  const out: BayesDelta = { nspam: 0, nham: 0, rows: [] };
  const byToken = new Map<number, TokenRow>();
  for (const d of deltas) {
    out.nspam += d.nspam;
    out.nham += d.nham;
    for (const r of d.rows) {
      const row = byToken.get(r.token);
      if (row) {
        row.spam += r.spam;
        row.ham += r.ham;
      } else byToken.set(r.token, { ...r });
    }
  }
  out.rows = [...byToken.values()];
  return out;
}

export class BayesModel {
  nspam = 0;
  nham = 0;
  private readonly counts = new Map<number, number>();

  static fromRows(totals: BayesTotals, rows: Iterable<TokenRow>): BayesModel {
    const model = new BayesModel();
    model.nspam = totals.nspam;
    model.nham = totals.nham;
    for (const r of rows) if (r.spam > 0 || r.ham > 0) model.counts.set(r.token, clamp(r.spam) * HAM_SPAN + clamp(r.ham));
    return model;
  }

  toRows(): TokenRow[] {
    const rows: TokenRow[] = [];
    for (const [token, packed] of this.counts) rows.push({ token, spam: spamCount(packed), ham: hamCount(packed) });
    return rows;
  }

  totals(): BayesTotals {
    return { nspam: this.nspam, nham: this.nham };
  }

  get size(): number {
    return this.counts.size;
  }

  /** Spam and ham counts of a token (zeros when never seen). */
  spamOf(token: number): number {
    return spamCount(this.packed(token));
  }

  hamOf(token: number): number {
    return hamCount(this.packed(token));
  }

  /** The packed counts of a token, for the classifier's inner loop: spam * 2^26 + ham. */
  packed(token: number): number {
    return this.counts.get(token) ?? 0;
  }

  apply(delta: BayesDelta): void {
    this.nspam = Math.max(0, this.nspam + delta.nspam);
    this.nham = Math.max(0, this.nham + delta.nham);
    for (const r of delta.rows) {
      const packed = this.counts.get(r.token) ?? 0;
      const spam = clamp(spamCount(packed) + r.spam);
      const ham = clamp(hamCount(packed) + r.ham);
      if (spam === 0 && ham === 0) this.counts.delete(r.token);
      else this.counts.set(r.token, spam * HAM_SPAN + ham);
    }
  }

  /** Learns one message; returns the delta to persist. */
  learn(tokens: Iterable<number>, as: Verdict): BayesDelta {
    const delta = learnDelta(tokens, as, 1);
    this.apply(delta);
    return delta;
  }

  /** Takes back an earlier learn of the same tokens (a message moved out of junk was learned as spam). */
  unlearn(tokens: Iterable<number>, as: Verdict): BayesDelta {
    const delta = learnDelta(tokens, as, -1);
    this.apply(delta);
    return delta;
  }
}

