// GTUBE, the Generic Test for Unsolicited Bulk Email: a fixed string that every spam filter scores
// as spam, so anyone can check that filtering works end to end (spamassassin.apache.org/gtube).
import type { Check } from "./input.ts";

export const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
// As SpamAssassin: high enough that no other rule can bring the message back under any threshold.
export const GTUBE_SCORE = 1000;

export const gtubeCheck: Check = (input, ctx) => {
  // The raw bytes catch a plain body; the decoded text catches one sent in base64 or quoted-printable.
  const found = input.raw.includes(GTUBE) || ctx.text.includes(GTUBE) || (ctx.html?.includes(GTUBE) ?? false);
  return found ? [{ name: "GTUBE", score: GTUBE_SCORE }] : [];
};
