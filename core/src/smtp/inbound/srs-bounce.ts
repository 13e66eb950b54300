// RCPT TO an SRS address of ours: the bounce of a message a user's filter forwarded, which goes on to
// the original sender. It is the one recipient the MX passes on to another domain, so it is taken
// only when all of these hold, as postsrsd and libsrs2 take SRS addresses only as bounce targets:
//   - the address verifies (its hash, its 21 days); one of the old format also has to be one we
//     sent mail with, by the outbound queue (the old hash alone can be forged, srs-legacy.ts);
//   - the sender is the null reverse path <>: a bounce (RFC 5321 §4.5.5), never other mail;
//   - the client and the original sender are within their bounce limits (bounce-limits.ts).
import type { Directory } from "../../store/directory.ts";
import type { OutboundQueue } from "../../store/outbound-queue.ts";
import { replies } from "../reply.ts";
import { srsReverse, SRS_LIFETIME_DAYS, type SrsKeys } from "../../mail-format/srs.ts";
import type { BounceLimits } from "./bounce-limits.ts";
import type { RcptContext, RcptVerdict } from "./rcpt-verdict.ts";

export interface SrsBounceDeps {
  directory: Pick<Directory, "isHostedDomain">;
  queue: Pick<OutboundQueue, "sentWithSender">;
  srs: SrsKeys;
  bounceLimits: BounceLimits;
}

const DAY_MS = 86_400_000;

export async function checkSrsBounce(deps: SrsBounceDeps, address: string, context: RcptContext): Promise<RcptVerdict> {
  // SRS local parts are often longer than the 64 characters parseAddress allows: only the domain is
  // checked here, the rest is the hash's business.
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  if (!(await deps.directory.isHostedDomain(domain))) return { accept: false, reply: replies.relayDenied(address) };

  const now = Date.now();
  const reversal = srsReverse(address, { ...deps.srs, now });
  let returnTo: string | null = reversal.ok ? reversal.address : null;
  // The day stamp is only a day's resolution: a forward's row may be up to a day older than 21 days.
  if (!reversal.ok && reversal.reason === "legacy" && (await deps.queue.sentWithSender(address, now - (SRS_LIFETIME_DAYS + 1) * DAY_MS))) {
    returnTo = reversal.address;
  }
  // Forged, tampered, expired: no such address here, like any unknown user.
  if (returnTo === null) return { accept: false, reply: replies.unknownUser(address) };
  if (context.mailFrom !== "") return { accept: false, reply: replies.onlyBounces(address) };
  if (!deps.bounceLimits.take(context.clientAddress, returnTo, now)) return { accept: false, reply: replies.tooManyBounces(address) };
  return { accept: true, recipient: { address, returnTo } };
}
