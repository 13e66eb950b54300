// Where mail for a domain goes: the transport map first (like Postfix's transport_maps), then the
// smart host if one is configured, else the domain's MX hosts (RFC 5321 §5.1), falling back to its
// A/AAAA records when it has no MX, and refusing a null MX (RFC 7505).
import { isIP } from "node:net";
import { parseIp, specialPurposeOf } from "../../../../shared/ip-ranges.ts";
import { isNoData, type DnsResolver } from "../../dns.ts";

export interface NextHop {
  /** The name to greet and verify TLS against. */
  hostname: string;
  address: string;
  port: number;
  /** Credentials for AUTH (a smart host). */
  auth?: { user: string; pass: string };
}

export type Route =
  | { kind: "hops"; hops: NextHop[] }
  /** Try again later (DNS trouble). */
  | { kind: "temporary"; reason: string }
  /** Never deliverable (null MX, no such domain). */
  | { kind: "permanent"; status: string; reason: string };

export interface RoutingConfig {
  transportMap: Map<string, { host: string; port: number }>;
  smartHost: { host: string; port: number; user: string | undefined; password: string | undefined } | null;
  allowPrivateMx: boolean;
}

const SMTP_PORT = 25;

/** Loopback, private, link-local, documentation … every special-purpose address (the same table the
 * webhook policy uses, shared/special-addresses.ts): not for a stranger's MX to point us at. */
export function isPrivateAddress(address: string): boolean {
  const ip = parseIp(address);
  // What cannot be read as a plain address (a zone id, an odd spelling) is not one to connect to either.
  return ip === null || specialPurposeOf(ip) !== null;
}

async function addressesOf(resolver: DnsResolver, host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  const settle = async (lookup: Promise<string[]>) => lookup.catch((err: unknown) => (isNoData(err) ? [] : Promise.reject(err)));
  const [v4, v6] = await Promise.all([settle(resolver.resolve4(host)), settle(resolver.resolve6(host))]);
  return [...v4, ...v6];
}

async function hostsToHops(resolver: DnsResolver, hosts: { host: string; port: number }[], config: RoutingConfig, checkPrivate: boolean): Promise<NextHop[]> {
  const hops: NextHop[] = [];
  for (const { host, port } of hosts) {
    for (const address of await addressesOf(resolver, host)) {
      if (checkPrivate && !config.allowPrivateMx && isPrivateAddress(address)) continue;
      hops.push({ hostname: host, address, port });
    }
  }
  return hops;
}

/** The destination whose connections are counted together (Postfix's nexthop): the transport map's
 * or the smart host's host and port when mail for `domain` goes there, else the domain (its MX hosts). */
export function destinationOf(domain: string, config: RoutingConfig): string {
  const via = config.transportMap.get(domain) ?? config.smartHost;
  return via ? `[${via.host}]:${via.port}` : domain;
}

export async function routeFor(domain: string, resolver: DnsResolver, config: RoutingConfig): Promise<Route> {
  try {
    const mapped = config.transportMap.get(domain);
    if (mapped) return { kind: "hops", hops: await hostsToHops(resolver, [mapped], config, false) };
    if (config.smartHost) {
      const { host, port, user, password } = config.smartHost;
      const hops = await hostsToHops(resolver, [{ host, port }], config, false);
      return { kind: "hops", hops: hops.map((h) => (user && password ? { ...h, auth: { user, pass: password } } : h)) };
    }
    let mx: { exchange: string; priority: number }[];
    try {
      mx = await resolver.resolveMx(domain);
    } catch (err) {
      if (!isNoData(err)) throw err;
      mx = [];
    }
    if (mx.length === 1 && (mx[0]!.exchange === "" || mx[0]!.exchange === ".")) {
      return { kind: "permanent", status: "5.1.10", reason: `${domain} does not accept mail (null MX, RFC 7505)` };
    }
    // No MX: the domain itself is the mail host (RFC 5321 §5.1 implicit MX).
    const hosts = mx.length > 0 ? [...mx].sort((a, b) => a.priority - b.priority).map((m) => ({ host: m.exchange, port: SMTP_PORT })) : [{ host: domain, port: SMTP_PORT }];
    const hops = await hostsToHops(resolver, hosts, config, true);
    if (hops.length === 0) {
      return mx.length > 0
        ? { kind: "temporary", reason: `no usable address for the MX hosts of ${domain}` }
        : { kind: "permanent", status: "5.1.2", reason: `${domain} has no MX and no address records` };
    }
    return { kind: "hops", hops };
  } catch (err) {
    return { kind: "temporary", reason: `DNS lookup for ${domain} failed: ${(err as Error).message}` };
  }
}
