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
  maxBodyChars: 4 * 1024 * 1024,
  /** Character comparisons one run may make across all tests (about a second of work at worst). */
  matchBudget: 200_000_000,
} as const;
