// A webhook host's addresses, judged: a name is refused when *any* of its addresses is in a
// special-purpose block, since which one a client connects to is not ours to choose (a name with
// one public and one private address would otherwise reach the private one half the time).
// Runtime-neutral: the resolver is node:dns's Resolver (Node) or dohResolver (any fetch).
import { describeSpecial, parseIp, specialPurposeOf, type IpAddress } from "../../../shared/ip-ranges.ts";

/** What both node:dns/promises' Resolver and dohResolver offer: addresses of one family, or a
 * rejection with Node's codes (ENOTFOUND: no such name; ENODATA: no record of that type). */
export interface AddressResolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostAddresses =
  | { kind: "ok"; addresses: ResolvedAddress[] }
  /** An address is special-purpose: the URL is not allowed (reason follows "The URL …"). */
  | { kind: "refused"; reason: string }
  /** The name does not exist or has no address. */
  | { kind: "none"; reason: string }
  /** The resolver did not answer (or failed): nothing is known. */
  | { kind: "unanswered"; reason: string };

/** A connection refused because its target is not allowed; delivery reports the webhook gone. */
export class WebhookTargetRefused extends Error {
  override name = "WebhookTargetRefused";
}

export interface ResolveOptions {
  /** Blocks (their `cidr` in special-addresses.ts) whose addresses pass anyway: tests' loopback. */
  allowRanges?: readonly string[];
  timeoutMs?: number;
}

const NO_ADDRESS = new Set(["ENODATA", "ENOTFOUND", "NXDOMAIN"]);

/** Whether `address` may be connected to: null if so, else why not (follows "points to"). */
export function refusedAddress(ip: IpAddress, allowRanges: readonly string[] = []): string | null {
  const special = specialPurposeOf(ip);
  if (!special || allowRanges.includes(special.range.cidr)) return null;
  return describeSpecial(special);
}

export async function resolveWebhookHost(name: string, resolver: AddressResolver, options: ResolveOptions = {}): Promise<HostAddresses> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const family = (lookup: Promise<string[]>) =>
    lookup.then(
      (addresses) => ({ addresses }),
      (e: unknown) => ({ addresses: [] as string[], error: e as { code?: string; message?: string } }),
    );
  const answers = await Promise.race([Promise.all([family(resolver.resolve4(name)), family(resolver.resolve6(name))]), timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
  if (answers === "timeout") return { kind: "unanswered", reason: `DNS gave no answer for ${name} within ${timeoutMs} ms` };
  // Half an answer is no answer: the unchecked family is one a client could still connect to.
  const failed = answers.find((a) => "error" in a && !NO_ADDRESS.has(a.error?.code ?? ""));
  if (failed && "error" in failed) return { kind: "unanswered", reason: `DNS lookup of ${name} failed: ${failed.error?.code ?? failed.error?.message ?? "unknown error"}` };

  const addresses: ResolvedAddress[] = [];
  for (const address of answers.flatMap((a) => a.addresses)) {
    const ip = parseIp(address);
    if (!ip) return { kind: "refused", reason: `has a host (${name}) with an address that cannot be read (${address})` };
    const refused = refusedAddress(ip, options.allowRanges);
    if (refused) return { kind: "refused", reason: `has a host (${name}) that resolves to ${refused}` };
    addresses.push({ address, family: ip.family });
  }
  if (addresses.length === 0) return { kind: "none", reason: `has a host (${name}) that does not resolve to any address` };
  return { kind: "ok", addresses };
}
