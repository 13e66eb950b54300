// Reading IP addresses and finding the special-purpose block (special-addresses.ts) one is in.
// Strict on purpose: only the canonical dotted quad and RFC 4291 text forms are addresses here.
// What a lenient reader would take for an address (0x7f.1, 017700000001) is not read as one, so a
// caller that gets null knows the text is no address it may let through.
import { SPECIAL_RANGES, type SpecialRange } from "./special-addresses.ts";

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
}

/** a.b.c.d, each part 0–255 in decimal without leading zeros (which some readers take as octal). */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form (`::`, a dotted IPv4 tail); no zone. */
export function parseIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return null;
    tail.push(...v4);
    s = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const wanted = 8 - tail.length / 2;
  const missing = wanted - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return [...groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]), ...tail];
}

export function parseIp(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  return v6 ? { family: 6, bytes: v6 } : null;
}

interface Block {
  range: SpecialRange;
  family: 4 | 6;
  bytes: number[];
  bits: number;
}

const BLOCKS: Block[] = SPECIAL_RANGES.map((range) => {
  const [address = "", bits = ""] = range.cidr.split("/");
  const ip = parseIp(address);
  if (!ip || !/^\d+$/.test(bits)) throw new Error(`special-addresses.ts: cannot read ${range.cidr}`);
  return { range, family: ip.family, bytes: ip.bytes, bits: Number(bits) };
});

function inBlock(ip: IpAddress, block: Block): boolean {
  if (ip.family !== block.family) return false;
  for (let i = 0, bits = block.bits; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i]! & mask) !== (block.bytes[i]! & mask)) return false;
  }
  return true;
}

export interface SpecialAddress {
  /** The block the address is in (for an IPv4 address carried in IPv6, the IPv4 block). */
  range: SpecialRange;
  /** The IPv6 block whose address carried that IPv4 address. */
  via?: SpecialRange;
}

/** The special-purpose block `ip` is in, or null for an ordinary global address. */
export function specialPurposeOf(ip: IpAddress): SpecialAddress | null {
  const block = BLOCKS.find((b) => inBlock(ip, b));
  if (!block) return null;
  if (block.range.embedsIpv4 !== "judged") return { range: block.range };
  const inner = specialPurposeOf({ family: 4, bytes: ip.bytes.slice(12) });
  return inner ? { range: inner.range, via: block.range } : null;
}

/** "a loopback address (127.0.0.0/8)", "… inside an IPv4-mapped address (::ffff:0:0/96)". */
export function describeSpecial({ range, via }: SpecialAddress): string {
  const what = `${range.name} (${range.cidr})`;
  return via ? `${what} inside ${via.name} (${via.cidr})` : what;
}

/** What rate limits count one client as: an IPv4 address as it is (also written IPv4-mapped), an IPv6
 * address by its /64, the least one subscriber or site is given, so that a client cannot take a fresh
 * budget from each of its 2^64 addresses. Null when `text` is not an address (a zone id is dropped). */
export function clientNetwork(text: string): string | null {
  const ip = parseIp(text.split("%")[0]!);
  if (!ip) return null;
  const b = ip.bytes;
  if (ip.family === 4) return b.join(".");
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12).join(".");
  return `${[0, 2, 4, 6].map((i) => ((b[i]! << 8) | b[i + 1]!).toString(16)).join(":")}::/64`;
}
