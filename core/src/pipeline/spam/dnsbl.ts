// DNS blocklists of sending IPs (Spamhaus ZEN, SpamCop, …): the client's IPv4 address reversed
// under the list's zone; an A record in 127.0.0.0/24 means listed, NXDOMAIN means not. A list that
// is slow or broken must never hold up or fail a message: errors and timeouts are "not listed".
import type { Resolver } from "node:dns/promises";
import type { Check, Hit } from "./input.ts";
import { publicIpv4 } from "./ipv4.ts";

export interface DnsblZone {
  zone: string;
  /** The hit's name; by default RCVD_IN_ and the zone in capitals ("RCVD_IN_ZEN_SPAMHAUS_ORG"). */
  name?: string;
  score?: number;
}

export interface DnsblDeps {
  resolver: Pick<Resolver, "resolve4">;
  zones: DnsblZone[];
  /** Per message, for all zones together (they are asked in parallel). */
  timeoutMs?: number;
}

const DEFAULT_SCORE = 2.0;
const DEFAULT_TIMEOUT_MS = 2000;

/** The query label for an IPv4 address ("192.0.2.1" → "1.2.0.192"), or null for anything a list
 * cannot know: IPv6, private, loopback and link-local addresses. */
export function reversedIpv4(address: string): string | null {
  return publicIpv4(address)?.reverse().join(".") ?? null;
}

export function dnsblHitName(zone: string): string {
  return `RCVD_IN_${zone.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_|_$/g, "")}`;
}

async function listed(resolver: Pick<Resolver, "resolve4">, query: string): Promise<string | null> {
  try {
    // 127.0.0.x is a listing; other answers (Spamhaus's 127.255.255.x "you are querying through an
    // open resolver", wildcard junk) are not.
    const answers = await resolver.resolve4(query);
    return answers.find((a) => a.startsWith("127.0.0.")) ?? null;
  } catch {
    return null;
  }
}

export function dnsblCheck(deps: DnsblDeps): Check {
  return async (input) => {
    const reversed = input.client ? reversedIpv4(input.client.address) : null;
    if (!reversed || deps.zones.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    });
    try {
      const answers = await Promise.all(deps.zones.map((z) => Promise.race([listed(deps.resolver, `${reversed}.${z.zone}`), deadline])));
      const hits: Hit[] = [];
      answers.forEach((answer, i) => {
        const z = deps.zones[i]!;
        if (answer) hits.push({ name: z.name ?? dnsblHitName(z.zone), score: z.score ?? DEFAULT_SCORE, detail: `${input.client!.address} ${answer}` });
      });
      return hits;
    } finally {
      clearTimeout(timer);
    }
  };
}
