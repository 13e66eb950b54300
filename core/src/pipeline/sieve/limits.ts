// Bounds on what one user's script may cost, so a hostile script cannot slow down delivery for others.
// Scripts have no loops, so their run time is bounded by their size and by what each test reads.
export const sieveLimits = {
  /** Longest script accepted (Dovecot's default is 1 MB; a hand-written script is a few KB). */
  maxScriptChars: 256 * 1024,
  /** Blocks and tests nested deeper than this are refused when the script is parsed. */
  maxNesting: 32,
  /** RFC 5228 §2.10.4 lets an implementation limit redirects; more is a runtime error. */
  maxRedirects: 5,
  /** Distinct folders one message may be filed into. */
  maxFileinto: 32,
  /** Characters of a body the `body` test looks at; text beyond is not searched. */
  maxBodyChars: 1024 * 1024,
  /**
   * Work one run may do across all tests, in steps of the :matches loop (~15 ns each here, so about
   * 150 ms at worst). A :matches "*word*" over a full 1 MiB body takes about 1.1 M steps.
   */
  matchBudget: 10_000_000,
  /** :is and :contains use the engine's native string search, so many characters count as one step. */
  nativeCharsPerStep: 64,
} as const;
