// IPv4 addresses as the checks meet them: a connecting client, a link's host. Private, loopback and
// link-local addresses say nothing about a sender on the internet and are left out of both.

/** The four octets of a public IPv4 address (also IPv4-mapped IPv6), or null. */
export function publicIpv4(address: string): [number, number, number, number] | null {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number) as [number, number, number, number];
  if (octets.some((o) => o > 255)) return null;
  const [a, b] = octets;
  const local = a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  return local ? null : octets;
}
