// A DNS-over-HTTPS client (the JSON form Cloudflare's and Google's resolvers answer:
// GET ?name=&type= with `accept: application/dns-json`) over any fetch, for runtimes without a
// resolver of their own: the Workers runtime. Errors carry node:dns's codes, so callers treat it
// like node:dns/promises' Resolver.
import type { AddressResolver } from "./resolve-host.ts";

const TYPES = { A: 1, AAAA: 28 } as const;

interface DnsJson {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

function dnsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export function dohResolver(endpoint: string, fetcher: typeof fetch, timeoutMs = 5000): AddressResolver {
  const query = async (name: string, type: keyof typeof TYPES): Promise<string[]> => {
    const url = new URL(endpoint);
    url.searchParams.set("name", name);
    url.searchParams.set("type", type);
    let body: DnsJson;
    try {
      const res = await fetcher(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw dnsError("ESERVFAIL", `${url.host} answered ${res.status}`);
      body = (await res.json()) as DnsJson;
    } catch (e) {
      // Our own errors carry a string code (a DOMException's numeric one is not ours).
      if (typeof (e as { code?: unknown }).code === "string") throw e;
      throw dnsError("ECONNREFUSED", `${url.host} could not be asked: ${String(e)}`);
    }
    // RCODE 3 is NXDOMAIN; any other but 0 (SERVFAIL, REFUSED) is the resolver's failure.
    if (body.Status === 3) throw dnsError("ENOTFOUND", `${name} does not exist`);
    if (body.Status !== 0) throw dnsError("ESERVFAIL", `${url.host} answered DNS status ${String(body.Status)} for ${name}`);
    // A CNAME chain comes first in the answer; only the final records are addresses.
    const addresses = (body.Answer ?? []).filter((a) => a.type === TYPES[type] && typeof a.data === "string").map((a) => a.data!);
    if (addresses.length === 0) throw dnsError("ENODATA", `${name} has no ${type} record`);
    return addresses;
  };
  return { resolve4: (name) => query(name, "A"), resolve6: (name) => query(name, "AAAA") };
}
