// The spam score of one message: every check's hits, summed, against a threshold. Inbound mail gets
// all checks; outbound mail (held when it scores as spam) skips sender authentication and DNS
// blocklists, which say nothing about our own users' submissions. Only a conclusive check reaches the
// threshold alone (GTUBE, a DMARC reject or quarantine the domain owner asked for): the learning
// classifier tops out below it (bayes.ts), so it needs another check to agree, and outgoing mail a
// user wrote is never held on its word alone.
import type { Resolver } from "node:dns/promises";
import { authCheck } from "./auth.ts";
import { bayesCheck, type BayesModels, type BayesOptions } from "./bayes.ts";
import { contentCheck } from "./content.ts";
import { buildContext } from "./context.ts";
import { dnsblCheck, type DnsblZone } from "./dnsbl.ts";
import { gtubeCheck } from "./gtube.ts";
import { headersCheck } from "./headers.ts";
import type { Check, Hit, SpamInput } from "./input.ts";

export const DEFAULT_THRESHOLD = 5.0;

export interface ScoreDeps {
  /** The learned models; without them (or while they are too young) the classifier adds nothing. */
  bayes?: BayesModels | null;
  bayesOptions?: Partial<BayesOptions>;
  /** DNS blocklists are asked only with a resolver and at least one zone. */
  resolver?: Pick<Resolver, "resolve4"> | null;
  dnsbl?: DnsblZone[];
  dnsblTimeoutMs?: number;
  threshold?: number;
  /** When the message was received (ms); defaults to now. */
  now?: number;
  profile?: "inbound" | "outbound";
}

export interface SpamResult {
  score: number;
  threshold: number;
  spam: boolean;
  hits: Hit[];
}

function checksFor(deps: ScoreDeps): Check[] {
  const checks: Check[] = [gtubeCheck, headersCheck, contentCheck];
  if (deps.bayes) checks.push(bayesCheck(deps.bayes, deps.bayesOptions));
  if (deps.profile !== "outbound") {
    checks.push(authCheck);
    if (deps.resolver && deps.dnsbl && deps.dnsbl.length > 0) {
      checks.push(dnsblCheck({ resolver: deps.resolver, zones: deps.dnsbl, timeoutMs: deps.dnsblTimeoutMs }));
    }
  }
  return checks;
}

export async function scoreMessage(input: SpamInput, deps: ScoreDeps = {}): Promise<SpamResult> {
  const ctx = buildContext(input, deps.now ?? Date.now());
  const hits = (await Promise.all(checksFor(deps).map((check) => check(input, ctx)))).flat();
  // Tenths, as shown in the header: the decision must agree with what the user sees.
  const score = Math.round(hits.reduce((sum, h) => sum + h.score, 0) * 10) / 10;
  const threshold = deps.threshold ?? DEFAULT_THRESHOLD;
  return { score, threshold, spam: score >= threshold, hits };
}

/** Outgoing mail from our own users: content only (no authentication or blocklist checks). */
export function scoreOutbound(input: SpamInput, deps: ScoreDeps = {}): Promise<SpamResult> {
  return scoreMessage(input, { ...deps, profile: "outbound" });
}

/** X-Spam-Score and X-Spam-Status lines (CRLF-terminated, folded), to prepend to the stored message. */
export function spamHeaders(result: SpamResult): string {
  const score = result.score.toFixed(1);
  const tests = [...new Set(result.hits.map((h) => h.name))].sort();
  const status = `X-Spam-Status: ${result.spam ? "Yes" : "No"}, score=${score} required=${result.threshold.toFixed(1)} tests=${tests.length > 0 ? tests.join(",") : "none"}`;
  return `X-Spam-Score: ${score}\r\n${fold(status)}\r\n`;
}

// Lines stay under 78 characters (RFC 5322 2.1.1); the tests list breaks after a comma.
function fold(line: string): string {
  const out: string[] = [];
  let current = "";
  for (const piece of line.split(/(?<=,)|(?<= )/)) {
    if (current.length + piece.length > 76 && current.trim().length > 0) {
      out.push(current.trimEnd());
      current = "\t";
    }
    current += piece;
  }
  out.push(current.trimEnd());
  return out.join("\r\n");
}
