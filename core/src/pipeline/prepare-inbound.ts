// Mail that came in over SMTP: one copy in the inbox of each recipient (once per user, however many
// of their addresses were named).
import type { Logger } from "../log.ts";
import type { Shards } from "../store/shards.ts";
import { parseMail } from "./parse.ts";
import { deliveryMessageId, filingOf, type Prepared } from "./prepared.ts";
import type { InboundEntry } from "./spool-entry.ts";

export async function prepareInbound(entry: InboundEntry, deps: { shards: Shards; log: Logger }): Promise<Prepared> {
  const recipients = [...new Map(entry.meta.recipients.map((r) => [r.userId, r])).values()];
  if (recipients.some((r) => !deps.shards.names.includes(r.shard))) {
    // The shard map lost a shard that the directory still names: keep the message spooled (retried
    // at the next start) rather than drop it.
    deps.log.error("pipeline: a recipient's shard is not in the shard map; message kept in the spool", { id: entry.id, shards: recipients.map((r) => r.shard) });
    return { raws: [], filings: [], attachments: [], deliveries: [], keep: true };
  }
  const mail = await parseMail(entry.raw);
  if (mail.parseError) deps.log.warn("pipeline: message filed unparsed", { id: entry.id, reason: mail.parseError });
  const auth = entry.meta.auth ?? null;
  // The sender's domain asked for failures to be quarantined (or to be rejected, when a trusted ARC
  // chain saved the message from refusal at DATA): the junk folder is the quarantine.
  const quarantined = auth !== null && auth.dmarc === "fail" && (auth.dmarcPolicy === "quarantine" || auth.dmarcPolicy === "reject");
  return {
    raws: [entry.raw],
    attachments: mail.attachments,
    deliveries: [],
    filings: recipients.map((r) =>
      filingOf(mail, {
        userId: r.userId,
        shard: r.shard,
        messageId: deliveryMessageId(entry.id, entry.receivedAt, r.userId),
        folderRole: quarantined ? "junk" : "inbox",
        seen: false,
        receivedAt: entry.receivedAt,
        size: entry.raw.length,
        rawIndex: 0,
      }),
    ).map((f) => ({ ...f, auth, virusScan: entry.meta.virusScan ?? "unscanned" })),
  };
}
