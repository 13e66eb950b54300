// What sender authentication concluded for one message (mailauth's results, reduced).
export type AuthResult = "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror" | "policy";
export interface AuthVerdict { spf: AuthResult; dkim: AuthResult; dmarc: AuthResult; arc: AuthResult; dmarcPolicy: "none" | "quarantine" | "reject" | null; fromDomain: string | null; }

/** Whether a client may show the sender as verified: the From domain's DMARC passed, that is an
 * SPF or DKIM pass aligned with the From domain. A domain without DMARC is not "verified", as Gmail
 * and Fastmail treat it; the separate results still say what passed. */
export function senderVerified(verdict: AuthVerdict): boolean {
  return verdict.dmarc === "pass";
}
