// What sender authentication concluded for one message (mailauth's results, reduced). It lives in the
// store, the lowest layer that holds it: smtp/inbound computes it, the pipeline scores it, the store
// keeps it with the message and tells clients whether the sender is verified.
export type AuthResult = "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror" | "policy";
export interface AuthVerdict { spf: AuthResult; dkim: AuthResult; dmarc: AuthResult; arc: AuthResult; dmarcPolicy: "none" | "quarantine" | "reject" | null; fromDomain: string | null; }

/** Whether a client may show the sender as verified: the From domain's DMARC passed, that is an
 * SPF or DKIM pass aligned with the From domain. A domain without DMARC is not "verified", as Gmail
 * and Fastmail treat it; the separate results still say what passed. */
export function senderVerified(verdict: AuthVerdict): boolean {
  return verdict.dmarc === "pass";
}
