// Mail a user sends (from the API or SMTP submission): build it, keep the sender's copy in Sent, put
// copies straight into the inboxes of recipients on this service, and queue the rest for delivery by
// SMTP. Everything is derived from the message id, so preparing the same entry again (after a crash)
// files and queues nothing twice.
import { createHash } from "node:crypto";
import { OutboundSubmission } from "../../../shared/internal-api.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import { uuidv7From } from "../../../shared/ids.ts";
import { signDkim } from "../mail-format/dkim.ts";
import { rfc5322Date } from "../mail-format/rfc5322-date.ts";
import { buildDsn, type FailedRecipient } from "../outbound-queue/dsn.ts";
import type { Logger } from "../log.ts";
import type { Directory } from "../store/directory.ts";
import { replyTarget } from "../store/mailbox.ts";
import type { MailboxService } from "../mailbox/service.ts";
import type { Shards } from "../store/shards.ts";
import { composeMessage, withoutBcc, withRequiredHeaders } from "../mail-format/compose.ts";
import { deliverToUser, type DeliverDeps, type SpamOutcome } from "./deliver-to-user.ts";
import { headerLookup, type HeaderLookup } from "./message-headers.ts";
import { buildHeldNotice } from "./held-notice.ts";
import { parseMail, type ParsedMail } from "../mail-format/parse.ts";
import { headerSection } from "../mail-format/raw-message.ts";
import { filingOf } from "../mailbox/filing-of.ts";
import { attachmentKey, type BlobStore } from "../store/blobs.ts";
import { deliveryMessageId, mergePrepared, type Prepared, type PreparedDelivery, type PreparedFiling } from "./prepared.ts";
import type { OutboundEntry } from "../spool/entry.ts";

export interface OutboundDeps extends DeliverDeps {
  directory: Directory;
  shards: Shards;
  blobs: BlobStore;
  log: Logger;
  hostname: string;
  queueLifetimeMs: number;
  /** A message that could not be built is recorded where `npm run cli -- queue errors` shows it. */
  recordError: (e: { userId: string; messageId: string; reason: string }) => Promise<void>;
  /** Removes the draft a sent message came from, once the Sent copy is filed. */
  mailbox: Pick<MailboxService, "discardSentDraft">;
  /** With several regions: whether an address this region does not know (its candidates, as the
   * directory looked them up) is homed in another; such a recipient is queued, and the delivery agent
   * hands the message to its home region (smtp/outbound/region-delivery.ts). */
  homedElsewhere?: ((candidates: string[]) => Promise<boolean>) | null;
  /** The outgoing spam check (content checks and the global model), or null when none runs. */
  scoreOutbound: ((raw: Buffer, mail: ParsedMail, sender: string) => Promise<(SpamOutcome & { threshold: number }) | null>) | null;
}

class BuildError extends Error {}

/** The Sent copy of an API send: built from the request and the attachments it names. */
async function buildFromApi(entry: OutboundEntry, deps: OutboundDeps): Promise<{ raw: Buffer; draftId?: string }> {
  const submission = OutboundSubmission.parse(JSON.parse(entry.raw.toString("utf8")));
  const attachments = await Promise.all(
    submission.attachments.map(async (a) => {
      const content = await deps.blobs.get(attachmentKey(a.sha256));
      if (!content) throw new BuildError(`attachment ${a.filename} (${a.sha256}) is not in storage`);
      return { filename: a.filename, contentType: a.contentType, content: Buffer.from(content) };
    }),
  );
  const { meta } = entry;
  const reply = submission.message.inReplyTo ? await replyTarget(deps.shards.get(meta.shard), meta.userId, submission.message.inReplyTo) : null;
  const raw = await composeMessage({
    messageId: meta.messageId,
    createdAt: submission.createdAt,
    from: { name: submission.message.from?.name, address: meta.sender },
    message: submission.message,
    attachments,
    replyTo: reply,
  });
  return { raw, draftId: submission.message.draftId };
}

/** Mail apps put Bcc recipients only in the envelope. The sender's Sent copy records them (as
 * Gmail's does); the copy that leaves loses the header again. The message is parsed once, before
 * the header is added: what the header adds to the parse is its list of addresses. */
async function withBccRecord(raw: Buffer, recipients: string[]): Promise<{ raw: Buffer; mail: ParsedMail }> {
  const mail = await parseMail(raw);
  const visible = new Set([...mail.to, ...mail.cc].map((a) => normalizeAddress(a.address)));
  const hidden = recipients.filter((r) => !visible.has(r));
  if (hidden.length === 0 || /^bcc:/im.test(headerSection(raw))) return { raw, mail };
  return { raw: Buffer.concat([Buffer.from(`Bcc: ${hidden.join(", ")}\r\n`, "utf8"), raw]), mail: { ...mail, bcc: hidden.map((address) => ({ name: "", address })) } };
}

function dsnFiling(entry: OutboundEntry, sentRaw: Buffer, subject: string, messageIdHeader: string | null, failed: FailedRecipient[], deps: OutboundDeps) {
  return buildDsn({
    reportingHost: deps.hostname,
    sender: entry.meta.sender,
    originalMessageId: messageIdHeader,
    originalSubject: subject,
    originalHeaders: headerSection(sentRaw),
    arrivalDate: entry.receivedAt,
    failed,
    now: Date.now(),
  });
}

export async function prepareOutbound(entry: OutboundEntry, deps: OutboundDeps): Promise<Prepared> {
  const { meta } = entry;
  if (!deps.shards.names.includes(meta.shard)) {
    deps.log.error("pipeline: the sender's shard is not in the shard map; message kept in the spool", { id: entry.id, shard: meta.shard });
    return { raws: [], filings: [], attachments: [], deliveries: [], keep: true };
  }
  const domain = meta.sender.split("@")[1]!;
  let sentRaw: Buffer;
  let draftId: string | undefined = meta.draftId;
  try {
    if (meta.source === "api") ({ raw: sentRaw, draftId } = await buildFromApi(entry, deps));
    else sentRaw = withRequiredHeaders(entry.raw, meta.messageId, domain, rfc5322Date(entry.receivedAt));
  } catch (err) {
    // The message cannot be built (a named attachment is gone, the request is damaged): nothing is
    // sent, the sender is told, and the operator can list it.
    const reason = err instanceof BuildError ? err.message : `the message could not be built: ${(err as Error).message}`;
    deps.log.warn("pipeline: outgoing message refused", { id: meta.messageId, reason });
    await deps.recordError({ userId: meta.userId, messageId: meta.messageId, reason });
    const notice = dsnFiling(entry, Buffer.from(`Subject: (unsent message)\r\n\r\n`), "(unsent message)", null, meta.recipients.map((recipient) => ({ recipient, reply: reason, remoteHost: null, expired: false })), deps);
    const mail = await parseMail(notice);
    return {
      raws: [notice],
      attachments: [],
      deliveries: [],
      filings: [filingOf(mail, { userId: meta.userId, shard: meta.shard, messageId: deliveryMessageId(entry.id, entry.receivedAt, `${meta.userId}/notice`), folderRole: "inbox", seen: false, receivedAt: entry.receivedAt, size: notice.length, rawIndex: 0 })],
    };
  }

  let mail: ParsedMail;
  if (meta.source === "api") mail = await parseMail(sentRaw);
  else ({ raw: sentRaw, mail } = await withBccRecord(sentRaw, meta.recipients));
  let deliveredRaw = withoutBcc(sentRaw);
  const key = await deps.directory.dkimKey(domain);
  if (key) deliveredRaw = await signDkim(deliveredRaw, key);
  const spam = deps.scoreOutbound ? await deps.scoreOutbound(deliveredRaw, mail, meta.sender) : null;
  const after = draftId ? () => deps.mailbox.discardSentDraft({ id: meta.userId, shard: meta.shard }, draftId) : undefined;
  if (spam?.spam) return heldAsSpam(entry, sentRaw, mail, spam, deps, after);

  const filings: PreparedFiling[] = [
    filingOf(mail, { userId: meta.userId, shard: meta.shard, messageId: meta.messageId, folderRole: "sent", seen: true, receivedAt: entry.receivedAt, size: sentRaw.length, rawIndex: 0 }),
  ];
  const deliveries: PreparedDelivery[] = [];
  const failed: FailedRecipient[] = [];
  const localUsers = new Set<string>();
  const localCopies: Prepared[] = [];
  let headers: HeaderLookup | null = null;
  for (const recipient of [...new Set(meta.recipients)]) {
    const resolution = await deps.directory.resolve(recipient);
    if (resolution.kind === "user") {
      // On this service: no SMTP hop (mail to oneself too), straight to the recipient's filters and
      // folders. Already scored as outgoing mail, from an authenticated user: no inbound spam check.
      const { user } = resolution;
      if (localUsers.has(user.id)) continue;
      localUsers.add(user.id);
      headers ??= headerLookup(deliveredRaw);
      localCopies.push(
        await deliverToUser(
          {
            entryId: entry.id,
            receivedAt: entry.receivedAt,
            raw: deliveredRaw,
            withHeaders: () => deliveredRaw,
            mail,
            headers,
            envelopeFrom: meta.sender,
            recipient: { address: recipient, userId: user.id, shard: user.shard },
            auth: null,
            virusScan: null,
            spam: null,
            quarantined: false,
          },
          deps,
        ),
      );
    } else if (resolution.kind === "not-local" || (resolution.kind === "unknown-user" && deps.homedElsewhere && (await deps.homedElsewhere(resolution.candidates)))) {
      deliveries.push({
        id: uuidv7From(entry.receivedAt, createHash("sha256").update(meta.messageId).update("/").update(recipient).digest()),
        messageId: meta.messageId,
        userId: meta.userId,
        sender: meta.sender,
        recipient,
        domain: recipient.split("@")[1]!.toLowerCase(),
        nextAttemptAt: entry.receivedAt,
        createdAt: entry.receivedAt,
        expiresAt: entry.receivedAt + deps.queueLifetimeMs,
        rawIndex: 1,
      });
    } else {
      failed.push({ recipient, reply: resolution.kind === "invalid" ? "5.1.3 bad address syntax" : `550 5.1.1 <${recipient}>: no such user here`, remoteHost: deps.hostname, expired: false });
    }
  }
  const raws = [sentRaw, deliveredRaw];
  if (failed.length > 0) {
    const dsn = dsnFiling(entry, sentRaw, mail.subject, mail.messageIdHeader, failed, deps);
    raws.push(dsn);
    filings.push(filingOf(await parseMail(dsn), { userId: meta.userId, shard: meta.shard, messageId: deliveryMessageId(entry.id, entry.receivedAt, `${meta.userId}/dsn`), folderRole: "inbox", seen: false, receivedAt: entry.receivedAt, size: dsn.length, rawIndex: 2 }));
  }
  return mergePrepared([{ raws, filings, attachments: mail.attachments, deliveries, after }, ...localCopies]);
}

/** An outgoing message the spam check holds: nothing leaves; the Sent copy records why (keyword
 * $Held and its score) and a notice in the sender's inbox says what the filter found. */
async function heldAsSpam(entry: OutboundEntry, sentRaw: Buffer, mail: ParsedMail, spam: SpamOutcome & { threshold: number }, deps: OutboundDeps, after: Prepared["after"]): Promise<Prepared> {
  const { meta } = entry;
  deps.log.info("pipeline: outgoing message held as spam", { id: meta.messageId, userId: meta.userId, score: spam.score, tests: spam.tests });
  const notice = await buildHeldNotice({
    hostname: deps.hostname,
    sender: meta.sender,
    originalSubject: mail.subject,
    originalMessageId: mail.messageIdHeader,
    score: spam.score,
    threshold: spam.threshold,
    tests: spam.tests,
    date: new Date(entry.receivedAt),
  });
  const sent = filingOf(mail, { userId: meta.userId, shard: meta.shard, messageId: meta.messageId, folderRole: "sent", seen: true, receivedAt: entry.receivedAt, size: sentRaw.length, rawIndex: 0 });
  const noticeFiling = filingOf(await parseMail(notice), { userId: meta.userId, shard: meta.shard, messageId: deliveryMessageId(entry.id, entry.receivedAt, `${meta.userId}/held`), folderRole: "inbox", seen: false, receivedAt: entry.receivedAt, size: notice.length, rawIndex: 1 });
  return {
    raws: [sentRaw, notice],
    filings: [{ ...sent, keywords: ["$Held"], spam: { score: spam.score, tests: spam.tests } }, noticeFiling],
    attachments: mail.attachments,
    deliveries: [],
    after,
  };
}
