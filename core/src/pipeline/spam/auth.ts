// Sender authentication as scores. Failures weigh more than passes help: spammers authenticate their
// own throw-away domains, so a pass says little, while a failure for a domain that publishes policy
// says the From is probably forged. A DMARC failure under p=quarantine alone is enough for junk: the
// domain owner asked for exactly that.
import type { Check, Hit } from "./input.ts";

export const authCheck: Check = (input) => {
  const auth = input.auth;
  if (!auth) return [];
  const hits: Hit[] = [];
  if (auth.spf === "fail") hits.push({ name: "SPF_FAIL", score: 1.0 });
  else if (auth.spf === "softfail") hits.push({ name: "SPF_SOFTFAIL", score: 0.6 });
  else if (auth.spf === "permerror") hits.push({ name: "SPF_PERMERROR", score: 0.2 });
  else if (auth.spf === "pass") hits.push({ name: "SPF_PASS", score: -0.1 });

  // A broken signature is common on mailing lists that edit the message: a small score.
  if (auth.dkim === "fail" || auth.dkim === "permerror") hits.push({ name: "DKIM_INVALID", score: 0.5 });
  else if (auth.dkim === "pass") hits.push({ name: "DKIM_VALID", score: -0.1 });

  if (auth.dmarc === "fail") {
    if (auth.dmarcPolicy === "reject") hits.push({ name: "DMARC_REJECT", score: 6.0, detail: auth.fromDomain ?? undefined });
    else if (auth.dmarcPolicy === "quarantine") hits.push({ name: "DMARC_QUARANTINE", score: 5.0, detail: auth.fromDomain ?? undefined });
    else hits.push({ name: "DMARC_NONE", score: 0.8, detail: auth.fromDomain ?? undefined });
  } else if (auth.dmarc === "pass") hits.push({ name: "DMARC_PASS", score: -0.2 });

  const nothingVerified = ["none", "neutral", "temperror", "permerror"];
  if (nothingVerified.includes(auth.spf) && nothingVerified.includes(auth.dkim)) hits.push({ name: "NO_AUTH", score: 0.5 });
  return hits;
};
