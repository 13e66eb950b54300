// RCPT TO: the recipient is checked against the directory while the client is still connected,
// so an unknown address is refused (550) rather than accepted and bounced later (backscatter).
import { getUsage } from "../../store/mailbox.ts";
import type { Directory } from "../../store/directory.ts";
import type { Shards } from "../../store/shards.ts";
import type { InboundRecipient } from "../../pipeline/spool-entry.ts";
import { replies, type SmtpReply } from "../reply.ts";
import { srsReverse } from "../srs.ts";

export type RcptVerdict = { accept: true; recipient: InboundRecipient } | { accept: false; reply: SmtpReply };

export async function checkRecipient(
  deps: { directory: Directory; shards: Shards; srsSecret: string },
  address: string,
  /** The SIZE the client declared at MAIL FROM (RFC 1870), 0 when it did not. */
  declaredSize: number,
): Promise<RcptVerdict> {
  const resolution = await deps.directory.resolve(address);
  switch (resolution.kind) {
    case "invalid":
      return { accept: false, reply: replies.badAddress(address) };
    case "not-local":
      return { accept: false, reply: replies.relayDenied(address) };
    case "unknown-user": {
      // A bounce (or answer) to a sender address our forwarding rewrote: it goes back to the
      // original sender. A forged or expired one is refused like any unknown address.
      const reversed = /^SRS[01][=+-]/i.test(address) ? srsReverse(address, { secret: deps.srsSecret }) : null;
      if (reversed?.ok) return { accept: true, recipient: { address, returnTo: reversed.address } };
      return { accept: false, reply: replies.unknownUser(address) };
    }
    case "user": {
      const { user } = resolution;
      const usage = await getUsage(deps.shards.get(user.shard), user.id);
      if (!usage) return { accept: false, reply: replies.unknownUser(address) };
      // Full, or would be with the declared size: 452 asks the sender to keep it and retry, as
      // Dovecot's LMTP does. A message of unknown size may take the mailbox past its quota once.
      if (usage.usedBytes >= usage.quotaBytes || usage.usedBytes + declaredSize > usage.quotaBytes) {
        return { accept: false, reply: replies.mailboxFull(address) };
      }
      return { accept: true, recipient: { address, userId: user.id, shard: user.shard } };
    }
  }
}
