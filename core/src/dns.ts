// The one DNS resolver of the service: every lookup (MX now; SPF, DKIM, DMARC and blocklists later)
// goes through it, so tests and operators decide which servers answer (DNS_SERVERS).
import { Resolver } from "node:dns/promises";

export function createResolver(servers: string[] | null): Resolver {
  const resolver = new Resolver({ timeout: 5000, tries: 2 });
  if (servers) resolver.setServers(servers);
  return resolver;
}

export type DnsResolver = Pick<Resolver, "resolveMx" | "resolve4" | "resolve6" | "resolveTxt">;

/** A name that does not exist or has no records of the type: an answer, not a failure. */
export function isNoData(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENODATA" || code === "ENOTFOUND" || code === "NXDOMAIN";
}
