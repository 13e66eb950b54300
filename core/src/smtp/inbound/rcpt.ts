// RCPT TO: the recipient is checked against the directory while the client is still connected,
// so an unknown address is refused (550) rather than accepted and bounced later (backscatter). The
// MX never relays: a domain not hosted here is refused, and the only recipient passed on to another
// domain is a bounce to an SRS address of ours (srs-bounce.ts). An address this region does not know
// may be homed in another (the global directory): then the home region answers for it, and the
// message is handed to it at DATA (region-relay.ts).
import { getUsage } from "../../store/mailbox.ts";
import type { Directory } from "../../store/directory.ts";
import type { GlobalDirectory } from "../../store/global-directory.ts";
import type { Shards } from "../../store/shards.ts";
import { replies } from "../reply.ts";
import { looksLikeSrs } from "../../mail-format/srs.ts";
import type { RcptContext, RcptVerdict } from "./rcpt-verdict.ts";
import type { RecipientCache } from "./recipient-cache.ts";
import { checkSrsBounce, type SrsBounceDeps } from "./srs-bounce.ts";
import { relayReplies, type RegionRelay, type RelayedRecipient } from "./region-relay.ts";

/** This region, the global directory and the way to the others; absent in a one-region deployment
 * and in the home region's own check of relayed mail (one hop only). */
export interface RegionRouting {
  region: string;
  global: Pick<GlobalDirectory, "homeOf">;
  relay: Pick<RegionRelay, "checkRecipient">;
}

export type RecipientCheck = RcptVerdict | { accept: true; relay: RelayedRecipient };

const ADDRESS_LITERAL = /@\[[^\]]*\]$/;

export async function checkRecipient(
  deps: SrsBounceDeps & { directory: Directory; shards: Shards; recipients: RecipientCache; regions?: RegionRouting | null },
  address: string,
  context: RcptContext,
  retried = false,
): Promise<RecipientCheck> {
  // An address literal (user@[192.0.2.1], RFC 5321 §4.1.3) is well-formed, but no domain of ours:
  // mail to it would be relayed, as Postfix refuses it too.
  if (ADDRESS_LITERAL.test(address)) return { accept: false, reply: replies.relayDenied(address) };
  const resolution = await deps.recipients.resolve(address);
  // A user or alias named like an SRS address is still that user.
  if (resolution.kind !== "user" && looksLikeSrs(address)) return checkSrsBounce(deps, address, context);
  switch (resolution.kind) {
    case "invalid":
      return { accept: false, reply: replies.badAddress(address) };
    case "not-local":
      return { accept: false, reply: replies.relayDenied(address) };
    case "unknown-user":
      if (deps.regions) return checkElsewhere(deps.regions, address, resolution.candidates, context);
      return { accept: false, reply: replies.unknownUser(address) };
    case "user": {
      const { user } = resolution;
      // Held while the mailbox is copied to another shard or region (store/mailbox-move): mail filed
      // into the old copy now could be left behind. The mover waits out the recipient cache's TTL.
      if (user.movingTo) return { accept: false, reply: relayReplies.moving(address) };
      const usage = await getUsage(await deps.shards.need(user.shard), user.id);
      if (!usage) {
        // The user the cache named is gone; the address may already belong to someone new.
        deps.recipients.forget(address);
        return retried ? { accept: false, reply: replies.unknownUser(address) } : checkRecipient(deps, address, context, true);
      }
      // Full, or would be with the declared size: 452 asks the sender to keep it and retry, as
      // Dovecot's LMTP does. A message of unknown size may take the mailbox past its quota once.
      if (usage.usedBytes >= usage.quotaBytes || usage.usedBytes + context.declaredSize > usage.quotaBytes) {
        return { accept: false, reply: replies.mailboxFull(address) };
      }
      return { accept: true, recipient: { address, userId: user.id, shard: user.shard } };
    }
  }
}

async function checkElsewhere(regions: RegionRouting, address: string, candidates: string[], context: RcptContext): Promise<RecipientCheck> {
  const home = await regions.global.homeOf(candidates);
  if (!home || home.region === regions.region) return { accept: false, reply: replies.unknownUser(address) };
  // Held while the user is copied to another region: mail filed at the old home now could be left behind.
  if (home.movingTo) return { accept: false, reply: relayReplies.moving(address) };
  const answer = await regions.relay.checkRecipient(home.region, { address, mailFrom: context.mailFrom, clientAddress: context.clientAddress, declaredSize: context.declaredSize });
  return answer.accept ? { accept: true, relay: { address, region: home.region } } : answer;
}
