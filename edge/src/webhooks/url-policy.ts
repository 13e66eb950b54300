// Which URLs this service may be made to request: a webhook's (it POSTs wherever a user says) and a
// remote image's (it GETs wherever a mail's sender says, remote-content/). Without a policy either
// is a way into networks the caller cannot reach (SSRF): loopback, the
// private ranges, link-local cloud metadata (169.254.169.254), internal names. One policy, two
// profiles: what differs is only scheme and port (senders link images over plain http, on any
// port); the addresses and names that lead inside are refused the same way for both. This file judges the
// URL as written: scheme, credentials, port, and a host that is an address in any special-purpose
// block (shared/special-addresses.ts) or a name that only means something on a local network.
// A name is judged by the addresses it resolves to, every one of them:
//  - on every runtime, at creation and again before each delivery, over DNS-over-HTTPS
//    (WEBHOOK_DNS_URL; target-check.ts);
//  - where the runtime can resolve and connect itself (Node, Deno), pinned-fetch.node.ts resolves
//    once, checks every address and connects to the address it checked, so DNS rebinding between
//    check and connect is impossible.
// On Cloudflare the check cannot be pinned. Workers' fetch() takes a URL, resolves the name with
// Cloudflare's own resolver and connects by itself; it cannot be aimed at a chosen address ("When
// you make a subrequest using fetch() from a Worker, the Cloudflare DNS resolver is used", and
// fetch to IP addresses is not supported: https://developers.cloudflare.com/workers/platform/known-issues/).
// What it does with a name that resolves to a private or loopback address is not documented: the
// request leaves from Cloudflare's edge, not from our network, but that is no promise to build on,
// so a name that changes its answer between our lookup and Cloudflare's is not stopped by us.
// `node:dns` exists in Workers (nodejs_compat, on by default from compatibility date 2026-08-04),
// but only as a DNS-over-HTTPS client of cloudflare-dns.com over that same fetch(), and its docs list
// lookup() as unsupported (https://developers.cloudflare.com/workers/runtime-apis/nodejs/dns/): it
// cannot pin either, and our own client (doh-resolver.ts) can be pointed at a test server. workerd itself (wrangler dev,
// self-hosting) does check after resolution: its "internet" network allows public addresses only
// unless configured otherwise (Network.allow defaults to ["public"], src/workerd/server/workerd.capnp).
// allowPrivate (WEBHOOK_ALLOW_PRIVATE) lifts everything but the scheme and credential checks, for
// local development whose receivers (and image hosts) run on loopback over plain http.
import { describeSpecial, parseIpv4, parseIpv6, specialPurposeOf } from "../../../shared/ip-ranges.ts";

/** What a URL of one use may be, beyond leading to a public host. */
export interface UrlProfile {
  /** How messages name such a URL: "webhook URL", "image URL". */
  what: string;
  /** Plain http is refused (unless private targets are allowed). */
  httpsOnly: boolean;
  /** The ports allowed; null: any. */
  ports: ReadonlySet<number> | null;
}

/** A webhook carries the user's mail to a receiver of their choosing: https, on the usual ports. */
export const webhookUrls: UrlProfile = { what: "webhook URL", httpsOnly: true, ports: new Set([80, 443, 8080, 8443]) };

/** An image a message links to: senders use http and odd ports; only what it leads to matters. */
export const remoteImageUrls: UrlProfile = { what: "image URL", httpsOnly: false, ports: null };

/** Names that never lead to a public host. RFC 6761 and the IANA Special-Use Domain Names
 * registry (localhost, local, test, invalid, example, onion, alt, home.arpa and the rest of
 * arpa); `internal` (reserved by ICANN for private use, 2024); `home`, `corp` and `mail` (ICANN
 * will never delegate them: name collisions); `lan` and `localdomain`, which home routers and
 * /etc/hosts use for the local network. Any label count: a suffix match. */
const LOCAL_SUFFIXES: [suffix: string, what: string][] = [
  ["localhost", "localhost"],
  ["localdomain", "a name on the local host"],
  ["local", "a multicast DNS name on the local network"],
  ["home.arpa", "a name on a home network"],
  ["internal", "a private-use name"],
  ["lan", "a name on a local network"],
  ["home", "a name on a local network"],
  ["corp", "a name on a local network"],
  ["mail", "a name on a local network"],
  ["test", "a name reserved for testing"],
  ["example", "a name reserved for documentation"],
  ["invalid", "a name that never exists"],
  ["onion", "a Tor onion service"],
  ["alt", "a name outside the DNS"],
  ["arpa", "a name of the DNS infrastructure"],
];

/** null when `url` may be requested as `profile` says; otherwise the problem, phrased to follow "The URL …". */
export function checkUrl(url: string, profile: UrlProfile, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an http or https URL";
  // A secret would sit in logs and queue messages (a webhook's signature is its authentication;
  // an image needs none).
  if (parsed.username || parsed.password) return "must not contain a user name or password";
  if (allowPrivate) return null;
  if (profile.httpsOnly && parsed.protocol !== "https:") return "must use https";
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  if (profile.ports && !profile.ports.has(port)) return `must not use port ${port} (allowed: ${[...profile.ports].join(", ")})`;
  return checkHost(parsed.hostname);
}

/** null when `url` may receive webhooks; otherwise the problem, phrased to follow "The URL …". */
export function checkWebhookUrl(url: string, allowPrivate: boolean): string | null {
  return checkUrl(url, webhookUrls, allowPrivate);
}

/** The URL parser has lowercased the host and rewritten every IPv4 spelling it accepts (0x7f.1,
 * 0177.0.0.1, 2130706433, 127.1, %31%32%37.0.0.1, full-width digits, a trailing dot) to the
 * dotted quad, and every IPv6 spelling to its canonical form; what it does not rewrite, it refuses
 * (url-policy.test.ts holds it to that). So an address is judged here as fetch would connect to it. */
export function checkHost(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const v6 = parseIpv6(hostname.slice(1, -1));
    if (!v6) return "has an IPv6 address that cannot be read";
    const special = specialPurposeOf({ family: 6, bytes: v6 });
    return special ? `points to ${describeSpecial(special)}` : null;
  }
  const v4 = parseIpv4(hostname);
  if (v4) {
    const special = specialPurposeOf({ family: 4, bytes: v4 });
    return special ? `points to ${describeSpecial(special)}` : null;
  }
  const labels = hostname.split(".");
  // Another runtime's parser may pass through a spelling ours would have rewritten: a name whose
  // last label is a number is an address to some reader, so it is no name.
  if (/^(0x[0-9a-f]*|\d+)$/i.test(labels.at(-1) ?? "")) return "has an IP address in a form that is not a.b.c.d";
  // "host." is the same name to DNS but not to the checks below, to Host-based routing or to
  // certificates.
  if (hostname.endsWith(".")) return "must not end its host name with a dot";
  if (labels.some((l) => l === "")) return "has an empty label in its host name";
  const local = LOCAL_SUFFIXES.find(([suffix]) => hostname === suffix || hostname.endsWith(`.${suffix}`));
  if (local) return `names ${local[1]} (.${local[0]})`;
  return labels.length < 2 ? "must name a public host (a name with a domain)" : null;
}
