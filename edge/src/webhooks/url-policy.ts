// Which URLs a webhook may point at. A webhook makes this service send requests wherever a user
// says, so without a policy it is a way into networks the user cannot reach (SSRF): loopback, the
// private ranges, link-local cloud metadata (169.254.169.254), internal names. Host names are not
// resolved here (the Workers runtime has no DNS API); Cloudflare's own fetch refuses to connect to
// private addresses, so a public name resolving to a private address fails at send time instead.
// allowPrivate lifts everything but the scheme and credential checks, for local development whose
// receivers run on loopback over plain http.

const ALLOWED_PORTS = new Set([80, 443, 8080, 8443]);

/** null when `url` may receive webhooks; otherwise the problem, phrased to follow "The URL …". */
export function checkWebhookUrl(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an http or https URL";
  // The secret would sit in logs and queue messages; the signature is the authentication.
  if (parsed.username || parsed.password) return "must not contain a user name or password";
  if (allowPrivate) return null;
  if (parsed.protocol !== "https:") return "must use https";
  const port = parsed.port ? Number(parsed.port) : 443;
  if (!ALLOWED_PORTS.has(port)) return `must not use port ${port} (allowed: ${[...ALLOWED_PORTS].join(", ")})`;
  return checkHost(parsed.hostname);
}

function checkHost(hostname: string): string | null {
  // The URL parser has lowercased the name and rewritten every IPv4 spelling (0x7f.1, 2130706433)
  // and IPv6 spelling to one canonical form, so these checks see what fetch would connect to.
  if (hostname.startsWith("[")) {
    const groups = ipv6Groups(hostname.slice(1, -1));
    if (!groups) return "has an IPv6 address that cannot be read";
    const range = ipv6Range(groups);
    return range ? `points to ${range}` : null;
  }
  const v4 = ipv4Bytes(hostname);
  if (v4) {
    const range = ipv4Range(v4);
    return range ? `points to ${range}` : null;
  }
  const name = hostname.replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "points to localhost";
  if (!name.includes(".")) return "must name a public host (a name with a domain)";
  if (/\.(local|internal|home\.arpa)$/.test(name)) return "names a host on a local network";
  return null;
}

const IPV4_RANGES: [prefix: number[], bits: number, name: string][] = [
  [[0, 0, 0, 0], 8, "an unspecified address (0.0.0.0/8)"],
  [[10, 0, 0, 0], 8, "a private address (10.0.0.0/8)"],
  [[100, 64, 0, 0], 10, "a carrier-grade NAT address (100.64.0.0/10)"],
  [[127, 0, 0, 0], 8, "a loopback address (127.0.0.0/8)"],
  [[169, 254, 0, 0], 16, "a link-local address (169.254.0.0/16)"],
  [[172, 16, 0, 0], 12, "a private address (172.16.0.0/12)"],
  [[192, 168, 0, 0], 16, "a private address (192.168.0.0/16)"],
  [[224, 0, 0, 0], 4, "a multicast address (224.0.0.0/4)"],
  [[240, 0, 0, 0], 4, "a reserved address (240.0.0.0/4)"],
];

function ipv4Range(bytes: number[]): string | null {
  for (const [prefix, bits, name] of IPV4_RANGES) if (matches(bytes, prefix, bits, 8)) return name;
  return null;
}

function ipv6Range(g: number[]): string | null {
  if (g.every((x) => x === 0)) return "an unspecified address (::)";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "a loopback address (::1)";
  // Addresses that carry an IPv4 address reach that address: mapped (::ffff:a.b.c.d), the old
  // compatible form (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
  const embedsV4 =
    (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0));
  if (embedsV4) {
    const range = ipv4Range([g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff]);
    return range ? `${range}, inside an IPv6 address` : null;
  }
  if (matches(g, [0xfc00], 7, 16)) return "a unique local address (fc00::/7)";
  if (matches(g, [0xfe80], 10, 16)) return "a link-local address (fe80::/10)";
  if (matches(g, [0xfec0], 10, 16)) return "a site-local address (fec0::/10)";
  if (matches(g, [0xff00], 8, 16)) return "a multicast address (ff00::/8)";
  return null;
}

/** Whether the first `bits` bits of `parts` (each `width` bits wide) equal those of `prefix`. */
function matches(parts: number[], prefix: number[], bits: number, width: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= width) {
    const mask = bits >= width ? (1 << width) - 1 : ((1 << bits) - 1) << (width - bits);
    if (((parts[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** The eight 16-bit groups of an IPv6 address, or null. */
function ipv6Groups(text: string): number[] | null {
  let s = text.toLowerCase();
  // A trailing dotted IPv4 part becomes two groups (the URL parser does this too; be sure).
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const b = ipv4Bytes(dotted[2]!);
    if (!b) return null;
    s = `${dotted[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((x) => /^[0-9a-f]{1,4}$/.test(x))) return null;
  return groups.map((x) => parseInt(x, 16));
}
