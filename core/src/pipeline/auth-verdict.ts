// What sender authentication concluded for one message (mailauth's results, reduced).
export type AuthResult = "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror" | "policy";
export interface AuthVerdict { spf: AuthResult; dkim: AuthResult; dmarc: AuthResult; arc: AuthResult; dmarcPolicy: "none" | "quarantine" | "reject" | null; fromDomain: string | null; }
