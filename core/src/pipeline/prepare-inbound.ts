// Mail that came in over SMTP: for each recipient user (once per user, however many of their
// addresses were named) the spam verdict, their filters, and the copies, forwards and answers those
// decide (deliver-to-user.ts). Everything is derived from the spool entry, so preparing it again
// after a crash files and queues nothing twice.
import type { Logger } from "../log.ts";
import type { Shards } from "../store/shards.ts";
import { deliverToUser, type DeliverDeps, type SpamOutcome } from "./deliver-to-user.ts";
import { headerLookup } from "./message-headers.ts";
import { parseMail, type ParsedMail } from "../mail-format/parse.ts";
import { filingOf } from "../mailbox/filing-of.ts";
import { deliveryMessageId, mergePrepared, type Prepared, type PreparedFiling } from "./prepared.ts";
import type { InboundEntry, LocalRecipient, ReturnedRecipient } from "../spool/entry.ts";

export interface InboundDeps extends DeliverDeps {
  shards: Shards;
  log: Logger;
  /** The spam verdict for one recipient (the global model with the user's own training), or null
   * when nothing scores mail. */
  scoreSpam: ((input: { entry: InboundEntry; mail: ParsedMail; userId: string; shard: string }) => Promise<SpamOutcome | null>) | null;
}

export async function prepareInbound(entry: InboundEntry, deps: InboundDeps): Promise<Prepared> {
  const local = entry.meta.recipients.filter((r): r is LocalRecipient => "userId" in r);
  const returned = entry.meta.recipients.filter((r): r is ReturnedRecipient => "returnTo" in r);
  const recipients = [...new Map(local.map((r) => [r.userId, r])).values()];
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
  const headers = headerLookup(entry.raw);
  const copies = new Map<string, Buffer>();
  // Return-Path stays the first line (the final delivery's mark, RFC 5321 §4.4); the per-user lines
  // go right below it.
  const returnPathEnd = entry.raw.subarray(0, 12).toString("latin1").toLowerCase() === "return-path:" ? entry.raw.indexOf("\r\n") + 2 : 0;
  const withHeaders = (lines: string) => {
    let copy = copies.get(lines);
    if (!copy) copies.set(lines, (copy = Buffer.concat([entry.raw.subarray(0, returnPathEnd), Buffer.from(lines, "utf8"), entry.raw.subarray(returnPathEnd)])));
    return copy;
  };
  const parts: Prepared[] = [];
  for (const recipient of recipients) {
    const spam = deps.scoreSpam ? await deps.scoreSpam({ entry, mail, userId: recipient.userId, shard: recipient.shard }) : null;
    parts.push(
      await deliverToUser(
        {
          entryId: entry.id,
          receivedAt: entry.receivedAt,
          raw: entry.raw,
          withHeaders,
          mail,
          headers,
          envelopeFrom: entry.meta.mailFrom,
          recipient,
          auth,
          virusScan: entry.meta.virusScan ?? "unscanned",
          spam,
          quarantined,
        },
        deps,
      ),
    );
  }
  if (returned.length > 0) parts.push(await returnToSenders(entry, mail, returned, deps));
  return mergePrepared(parts);
}

/** Bounces to SRS addresses go back to the original senders through the outbound queue, as they
 * came (a bounce has the null sender, so its failure is never bounced again). */
async function returnToSenders(entry: InboundEntry, mail: ParsedMail, returned: ReturnedRecipient[], deps: InboundDeps): Promise<Prepared> {
  const filings: PreparedFiling[] = [];
  const remote: ReturnedRecipient[] = [];
  for (const r of new Map(returned.map((r) => [r.returnTo.toLowerCase(), r])).values()) {
    const resolution = await deps.directory.resolve(r.returnTo);
    if (resolution.kind !== "user") remote.push(r);
    else {
      // The original sender is one of ours: the bounce goes straight to their inbox.
      const { user } = resolution;
      const messageId = deliveryMessageId(entry.id, entry.receivedAt, `srs/${user.id}`);
      filings.push(filingOf(mail, { userId: user.id, shard: user.shard, messageId, folderRole: "inbox", seen: false, receivedAt: entry.receivedAt, size: entry.raw.length, rawIndex: 0 }));
    }
  }
  const deliveries = remote.map((r) => {
    const messageId = deliveryMessageId(entry.id, entry.receivedAt, `srs/${r.returnTo.toLowerCase()}`);
    return {
      id: messageId,
      messageId,
      // Nobody of ours sent it: a failure has no one here to tell.
      userId: "",
      sender: entry.meta.mailFrom,
      recipient: r.returnTo,
      domain: r.returnTo.split("@")[1]!.toLowerCase(),
      nextAttemptAt: entry.receivedAt,
      createdAt: entry.receivedAt,
      expiresAt: entry.receivedAt + deps.queueLifetimeMs,
      rawIndex: 0,
    };
  });
  return { raws: [entry.raw], filings, attachments: mail.attachments, deliveries };
}
