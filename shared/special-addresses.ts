// Every special-purpose address block: IANA's IPv4 and IPv6 Special-Purpose Address Registries
// (RFC 6890, amended by RFC 8190; as of 2025, including RFC 9637, 9602, 9665, 9780), plus the
// blocks outside those registries that are no place for a server either: multicast, the IPv4
// block reserved for future use, the deprecated IPv6 site-local and IPv4-compatible forms, the
// IPv4-translated form of SIIT, and all IPv6 space outside 2000::/3 that IANA's IPv6 Address Space
// registry keeps "Reserved by IETF" (global unicast is only ever assigned from 2000::/3). Every block is refused, even those the registry marks
// "globally reachable" (AS112, AMT, the PCP and TURN anycasts): nothing there receives webhooks.
//
// More specific blocks come before the blocks that contain them (the first match names the
// address). `embedsIpv4` marks the IPv6 forms that carry an IPv4 address:
//   judged  — the packet goes to exactly that IPv4 address, so the IPv4 inside decides:
//             IPv4-mapped (how dual-stack sockets and some resolvers name IPv4 peers) and the
//             NAT64 well-known prefix (what DNS64 synthesizes for IPv4-only names: an IPv6-only
//             deployment reaches every IPv4-only receiver that way, so refusing it outright
//             would refuse them all).
//   refused — no receiver has a reason to be there and the IPv4 inside cannot be trusted to be
//             where the packet goes: IPv4-compatible (deprecated by RFC 4291), IPv4-translated
//             (SIIT's, dropped by RFC 6145), local-use NAT64 (the operator's own translator,
//             whose prefix length, hence where the IPv4 sits, is unknown), 6to4 (the IPv4 is a
//             relay router's; RFC 7526 deprecated the relays) and Teredo (a tunnel through a
//             NAT to an obfuscated client address).

export interface SpecialRange {
  /** The block in CIDR notation, as the registry writes it. */
  cidr: string;
  /** What an address there is, phrased to follow "points to". */
  name: string;
  /** Where the block is defined. */
  rfc: string;
  embedsIpv4?: "judged" | "refused";
}

export const SPECIAL_RANGES: readonly SpecialRange[] = [
  // IPv4
  { cidr: "0.0.0.0/8", name: "a this-network address", rfc: "RFC 791" },
  { cidr: "10.0.0.0/8", name: "a private address", rfc: "RFC 1918" },
  { cidr: "100.64.0.0/10", name: "a carrier-grade NAT address", rfc: "RFC 6598" },
  { cidr: "127.0.0.0/8", name: "a loopback address", rfc: "RFC 1122" },
  { cidr: "169.254.0.0/16", name: "a link-local address", rfc: "RFC 3927" },
  { cidr: "172.16.0.0/12", name: "a private address", rfc: "RFC 1918" },
  { cidr: "192.0.0.0/24", name: "an IETF protocol assignment", rfc: "RFC 6890" },
  { cidr: "192.0.2.0/24", name: "a documentation address", rfc: "RFC 5737" },
  { cidr: "192.31.196.0/24", name: "an AS112 address", rfc: "RFC 7535" },
  { cidr: "192.52.193.0/24", name: "an AMT relay address", rfc: "RFC 7450" },
  { cidr: "192.88.99.0/24", name: "a 6to4 relay anycast address", rfc: "RFC 7526, RFC 6751" },
  { cidr: "192.168.0.0/16", name: "a private address", rfc: "RFC 1918" },
  { cidr: "192.175.48.0/24", name: "an AS112 address", rfc: "RFC 7534" },
  { cidr: "198.18.0.0/15", name: "a benchmarking address", rfc: "RFC 2544" },
  { cidr: "198.51.100.0/24", name: "a documentation address", rfc: "RFC 5737" },
  { cidr: "203.0.113.0/24", name: "a documentation address", rfc: "RFC 5737" },
  { cidr: "224.0.0.0/4", name: "a multicast address", rfc: "RFC 5771" },
  { cidr: "255.255.255.255/32", name: "the limited broadcast address", rfc: "RFC 919, RFC 8190" },
  { cidr: "240.0.0.0/4", name: "a reserved address", rfc: "RFC 1112" },
  // IPv6
  { cidr: "::/128", name: "the unspecified address", rfc: "RFC 4291" },
  { cidr: "::1/128", name: "a loopback address", rfc: "RFC 4291" },
  { cidr: "::ffff:0:0/96", name: "an IPv4-mapped address", rfc: "RFC 4291", embedsIpv4: "judged" },
  { cidr: "::ffff:0:0:0/96", name: "an IPv4-translated address", rfc: "RFC 2765", embedsIpv4: "refused" },
  { cidr: "::/96", name: "an IPv4-compatible address", rfc: "RFC 4291", embedsIpv4: "refused" },
  { cidr: "64:ff9b::/96", name: "a NAT64 address", rfc: "RFC 6052", embedsIpv4: "judged" },
  { cidr: "64:ff9b:1::/48", name: "a local-use NAT64 address", rfc: "RFC 8215", embedsIpv4: "refused" },
  { cidr: "100::/64", name: "a discard-only address", rfc: "RFC 6666" },
  { cidr: "100:0:0:1::/64", name: "a dummy address", rfc: "RFC 9780" },
  { cidr: "2001::/32", name: "a Teredo address", rfc: "RFC 4380", embedsIpv4: "refused" },
  { cidr: "2001:1::1/128", name: "the PCP anycast address", rfc: "RFC 7723" },
  { cidr: "2001:1::2/128", name: "the TURN anycast address", rfc: "RFC 8155" },
  { cidr: "2001:1::3/128", name: "the DNS-SD SRP anycast address", rfc: "RFC 9665" },
  { cidr: "2001:2::/48", name: "a benchmarking address", rfc: "RFC 5180" },
  { cidr: "2001:3::/32", name: "an AMT address", rfc: "RFC 7450" },
  { cidr: "2001:4:112::/48", name: "an AS112 address", rfc: "RFC 7535" },
  { cidr: "2001:10::/28", name: "an ORCHID address", rfc: "RFC 4843" },
  { cidr: "2001:20::/28", name: "an ORCHIDv2 address", rfc: "RFC 7343" },
  { cidr: "2001:30::/28", name: "a drone remote ID address", rfc: "RFC 9374" },
  { cidr: "2001::/23", name: "an IETF protocol assignment", rfc: "RFC 2928" },
  { cidr: "2001:db8::/32", name: "a documentation address", rfc: "RFC 3849" },
  { cidr: "2002::/16", name: "a 6to4 address", rfc: "RFC 3056", embedsIpv4: "refused" },
  { cidr: "2620:4f:8000::/48", name: "an AS112 address", rfc: "RFC 7534" },
  { cidr: "3fff::/20", name: "a documentation address", rfc: "RFC 9637" },
  { cidr: "5f00::/16", name: "a segment routing (SRv6) address", rfc: "RFC 9602" },
  { cidr: "fc00::/7", name: "a unique local address", rfc: "RFC 4193" },
  { cidr: "fe80::/10", name: "a link-local address", rfc: "RFC 4291" },
  { cidr: "fec0::/10", name: "a site-local address", rfc: "RFC 3879" },
  { cidr: "ff00::/8", name: "a multicast address", rfc: "RFC 4291" },
  // IPv6 space never assigned (IANA IPv6 Address Space), after the blocks above carved from it.
  { cidr: "::/8", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "100::/8", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "200::/7", name: "a reserved IPv6 address", rfc: "RFC 4048" },
  { cidr: "400::/6", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "800::/5", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "1000::/4", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "4000::/2", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "8000::/2", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "c000::/3", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "e000::/4", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "f000::/5", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "f800::/6", name: "a reserved IPv6 address", rfc: "RFC 4291" },
  { cidr: "fe00::/9", name: "a reserved IPv6 address", rfc: "RFC 4291" },
];
