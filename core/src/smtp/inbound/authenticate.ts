// Sender authentication at the end of DATA: SPF (client IP, HELO, MAIL FROM), DKIM, DMARC with
// alignment and ARC, all by mailauth through the service's one resolver (DNS_SERVERS). It runs before
// the message is spooled because a DMARC p=reject failure must be refused in the SMTP dialogue (550),
// never accepted and then bounced. Its Authentication-Results header is prepended to the stored message.
import { authenticate } from "mailauth";
import type { AuthResult, AuthVerdict } from "../../store/auth-verdict.ts";
import type { SmtpReply } from "../reply.ts";

/** `dns.promises.resolve`'s shape, which mailauth calls for every lookup. */
export type { ResolveFn } from "../../dns-cache.ts";
import type { ResolveFn } from "../../dns-cache.ts";

export interface InboundAuth {
  verdict: AuthVerdict;
  /** Received-SPF and Authentication-Results, CRLF-terminated, to prepend. */
  headers: Buffer;
  /** The message without Authentication-Results that claim to be ours (RFC 8601 §5). */
  message: Buffer;
  /** Set when the sender's domain asks for this message to be rejected. */
  refuse: SmtpReply | null;
}

const RESULTS = new Set<AuthResult>(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]);
const asResult = (value: unknown): AuthResult => (typeof value === "string" && RESULTS.has(value as AuthResult) ? (value as AuthResult) : "none");

/** The best of several DKIM signatures: one that passes makes the message DKIM-authenticated. */
function dkimOf(results: { status?: { result?: string } }[]): AuthResult {
  const all = results.map((r) => asResult(r.status?.result));
  for (const best of ["pass", "fail", "policy", "temperror", "permerror", "neutral"] as const) if (all.includes(best)) return best;
  return "none";
}

/** Drops header fields a sender put there to fake our verdicts: `Authentication-Results: <our
 * authserv-id>; …` (RFC 8601 §5: an MTA must remove such fields it did not add) and the X-Spam-*
 * fields our spam stage writes (a filter testing X-Spam-Status must read ours). */
export function stripForgedResults(message: Buffer, authservId: string): Buffer {
  // latin1 maps bytes 1:1, so whatever the sender's header bytes are, the kept ones stay exact.
  const end = message.indexOf("\r\n\r\n");
  if (end === -1) return message;
  const fields = message.subarray(0, end + 2).toString("latin1").split(/\r\n(?![ \t])/);
  const ours = new RegExp(`^authentication-results:\\s*${authservId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*(;|$)`, "i");
  const kept = fields.filter((f) => !ours.test(f) && !/^x-spam-(score|status|flag|level|checker-version|report)\s*:/i.test(f));
  if (kept.length === fields.length) return message;
  return Buffer.concat([Buffer.from(kept.join("\r\n"), "latin1"), message.subarray(end + 2)]);
}

export async function authenticateInbound(
  raw: Buffer,
  opts: { ip: string; helo: string; mailFrom: string; hostname: string; resolve: ResolveFn },
): Promise<InboundAuth> {
  const message = stripForgedResults(raw, opts.hostname);
  const result = await authenticate(message, {
    ip: opts.ip,
    helo: opts.helo,
    // The null sender (bounces): SPF checks the HELO identity instead (RFC 7208 §2.4).
    sender: opts.mailFrom || `postmaster@${opts.helo}`,
    mta: opts.hostname,
    resolver: opts.resolve,
    disableBimi: true,
  } as Parameters<typeof authenticate>[1]);
  const dmarc = result.dmarc || null;
  const dmarcResult = dmarc ? asResult(dmarc.status?.result) : "none";
  const policy = dmarc && typeof dmarc.policy === "string" && ["none", "quarantine", "reject"].includes(dmarc.policy) ? (dmarc.policy as AuthVerdict["dmarcPolicy"]) : null;
  const verdict: AuthVerdict = {
    spf: asResult(result.spf && result.spf.status?.result),
    dkim: dkimOf(result.dkim?.results ?? []),
    dmarc: dmarcResult,
    arc: asResult(result.arc ? result.arc.status?.result : undefined),
    dmarcPolicy: policy,
    fromDomain: (dmarc && typeof dmarc.domain === "string" ? dmarc.domain : null) ?? null,
  };
  // A forwarder that sealed the message with a valid ARC chain vouches for its original
  // authentication: its DMARC failure goes to junk rather than being refused (as Gmail does).
  const refuse =
    verdict.dmarc === "fail" && verdict.dmarcPolicy === "reject" && verdict.arc !== "pass"
      ? { code: 550, status: "5.7.1", text: `message rejected: ${verdict.fromDomain ?? "the sender's domain"} publishes a DMARC reject policy and this message failed it` }
      : null;
  return { verdict, headers: Buffer.from(result.headers, "utf8"), message, refuse };
}
