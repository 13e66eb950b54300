// One message for one user of this service, after the spam verdict: the user's filters (Sieve) say
// where it is filed and with which flags, whether a copy is forwarded (SRS) and whether the user's
// vacation answer goes out. Junk stays junk whatever a filter files it into, unless a filter marks
// it $NotJunk (as Gmail's "Never send it to Spam"); junk is never forwarded or answered.
import { createHash } from "node:crypto";
import { uuidv7From } from "../../../shared/ids.ts";
import type { FolderRole } from "../../../shared/api.ts";
import type { Logger } from "../log.ts";
import { srsForward } from "../mail-format/srs.ts";
import type { Directory } from "../store/directory.ts";
import { recordVacationReply, vacationAnsweredSince } from "../store/filters.ts";
import type { Shards } from "../store/shards.ts";
import type { AuthVerdict } from "../store/auth-verdict.ts";
import { htmlVisibleText } from "../mail-format/html-text.ts";
import { headerLookup, type HeaderLookup } from "./message-headers.ts";
import { parseMail, type ParsedMail } from "../mail-format/parse.ts";
import { filingOf } from "../mailbox/filing-of.ts";
import { deliveryMessageId, type Prepared, type PreparedDelivery, type PreparedFiling } from "./prepared.ts";
import type { SieveOutcome } from "./sieve/interpret.ts";
import { buildVacationReply, vacationDecision } from "./sieve/vacation.ts";
import type { UserScripts } from "./user-scripts.ts";

export interface SpamOutcome {
  score: number;
  tests: string[];
  spam: boolean;
  /** X-Spam-Score and X-Spam-Status, CRLF-terminated, to prepend to this user's copy. */
  headers: string;
}

export interface UserDelivery {
  entryId: string;
  receivedAt: number;
  /** The message as it was spooled (trace and Authentication-Results on top). */
  raw: Buffer;
  /** The raw with header lines prepended; the same bytes for the same lines (stored once). */
  withHeaders: (lines: string) => Buffer;
  mail: ParsedMail;
  headers: HeaderLookup;
  /** MAIL FROM; "" for the null sender. */
  envelopeFrom: string;
  recipient: { address: string; userId: string; shard: string };
  auth: AuthVerdict | null;
  virusScan: "clean" | "unscanned" | null;
  spam: SpamOutcome | null;
  /** The sender's domain asked for a failure to be quarantined (DMARC). */
  quarantined: boolean;
}

export interface DeliverDeps {
  shards: Shards;
  directory: Directory;
  log: Logger;
  hostname: string;
  queueLifetimeMs: number;
  srsSecret: string;
  scripts: UserScripts;
}

const SYSTEM_FLAGS = new Map([
  ["\\seen", "seen"],
  ["\\flagged", "flagged"],
]);

/** Sieve's flags → the row's seen/flagged and its keywords. \Answered, \Deleted, \Draft are not
 * kept: a filter cannot meaningfully set them on new mail. */
function applyFlags(flags: string[]): { seen: boolean; flagged: boolean; keywords: string[] } {
  const out = { seen: false, flagged: false, keywords: [] as string[] };
  for (const flag of flags) {
    const system = SYSTEM_FLAGS.get(flag.toLowerCase());
    if (system === "seen") out.seen = true;
    else if (system === "flagged") out.flagged = true;
    else if (!flag.startsWith("\\") && !out.keywords.some((k) => k.toLowerCase() === flag.toLowerCase())) out.keywords.push(flag);
  }
  return out;
}

/** Where each stored copy goes: the keep to the inbox, fileinto to named folders; junk overrides. */
function targets(outcome: SieveOutcome, junk: boolean): { role: FolderRole; name?: string; flags: string[] }[] {
  const list: { role: FolderRole; name?: string; flags: string[] }[] = [];
  if (outcome.keep) list.push({ role: junk ? "junk" : "inbox", flags: outcome.keep.flags });
  for (const f of outcome.fileinto) {
    if (junk) {
      if (!list.some((t) => t.role === "junk")) list.push({ role: "junk", flags: f.flags });
    } else list.push({ role: "inbox", name: f.folder.trim() || "INBOX", flags: f.flags });
  }
  return list;
}

const NO_FILTERS: SieveOutcome = { keep: { flags: [] }, fileinto: [], redirect: [], discard: false, vacation: null, error: null };

export async function deliverToUser(d: UserDelivery, deps: DeliverDeps): Promise<Prepared> {
  const { userId, shard } = d.recipient;
  const stored = d.spam ? d.withHeaders(d.spam.headers) : d.raw;
  // Filters see the message as stored, our X-Spam lines included (Dovecot users test X-Spam-Status).
  const spamLines = d.spam ? headerLookup(Buffer.from(`${d.spam.headers}\r\n`, "utf8")) : null;
  const header = spamLines ? (name: string) => [...spamLines(name), ...d.headers(name)] : d.headers;
  const bodyText = () => d.mail.text ?? (d.mail.html ? htmlVisibleText(d.mail.html) : "");
  const outcome = (await deps.scripts.run(deps.shards.get(shard), userId, { header, envelope: { from: d.envelopeFrom, to: d.recipient.address }, size: stored.length, bodyText })) ?? NO_FILTERS;
  if (outcome.error) deps.log.warn("pipeline: the user's filter failed; message kept in the inbox", { userId, reason: outcome.error });

  const allFlags = [...(outcome.keep?.flags ?? []), ...outcome.fileinto.flatMap((f) => f.flags)];
  const neverJunk = allFlags.some((f) => f.toLowerCase() === "$notjunk");
  const junk = ((d.spam?.spam ?? false) || d.quarantined) && !neverJunk;

  const raws: Buffer[] = [stored];
  const filings: PreparedFiling[] = targets(outcome, junk).map((t, i) => {
    const flags = applyFlags(t.flags);
    if (junk && !flags.keywords.includes("$Junk")) flags.keywords.push("$Junk");
    // The first copy keeps the id every earlier version gave it, so refiling stays idempotent.
    const messageId = deliveryMessageId(d.entryId, d.receivedAt, i === 0 ? userId : `${userId}/${t.name ?? t.role}`);
    return {
      ...filingOf(d.mail, { userId, shard, messageId, folderRole: t.role, seen: flags.seen, receivedAt: d.receivedAt, size: stored.length, rawIndex: 0 }),
      ...(t.name !== undefined ? { folderName: t.name } : {}),
      flagged: flags.flagged,
      keywords: flags.keywords,
      auth: d.auth,
      spam: d.spam ? { score: d.spam.score, tests: d.spam.tests } : null,
      virusScan: d.virusScan,
    };
  });

  const deliveries: PreparedDelivery[] = [];
  let after: Prepared["after"];
  if (!junk) {
    for (const r of outcome.redirect) {
      // To a user of this service: straight into their inbox, as a send between users is.
      const local = await localUser(r.address, deps);
      if (local && local.id !== userId) filings.push(localCopy(d, d.mail, local, `forward/${local.id}`, 0, stored.length));
      else if (!local) deliveries.push(forwardDelivery(d, r.address, deps));
    }
    if (outcome.vacation) {
      const reply = await vacationReply(d, outcome.vacation, deps);
      if (reply) {
        raws.push(reply.raw);
        const local = await localUser(reply.to, deps);
        if (local) filings.push(localCopy(d, await parseMail(reply.raw), local, "vacation", 1, reply.raw.length));
        else deliveries.push(reply.delivery);
        after = () => recordVacationReply(deps.shards.get(shard), userId, reply.to, reply.handle, d.receivedAt);
      }
    }
  }
  return { raws, filings, attachments: d.mail.attachments, deliveries, after };
}

async function localUser(address: string, deps: DeliverDeps) {
  const resolution = await deps.directory.resolve(address);
  return resolution.kind === "user" ? resolution.user : null;
}

/** A forward or an answer to another user here: filed in their inbox without running their filters
 * (two users' filters could otherwise bounce a message between them forever). */
function localCopy(d: UserDelivery, mail: ParsedMail, to: { id: string; shard: string }, key: string, rawIndex: number, size: number): PreparedFiling {
  const messageId = deliveryMessageId(d.entryId, d.receivedAt, `${d.recipient.userId}/${key}/${to.id}`);
  return filingOf(mail, { userId: to.id, shard: to.shard, messageId, folderRole: "inbox", seen: false, receivedAt: d.receivedAt, size, rawIndex });
}

function queuedDelivery(d: UserDelivery, key: string, sender: string, recipient: string, rawIndex: number, deps: DeliverDeps): PreparedDelivery {
  // Derived from the spool entry, so preparing the entry again queues the same row, not a second one.
  const messageId = deliveryMessageId(d.entryId, d.receivedAt, `${d.recipient.userId}/${key}`);
  return {
    id: uuidv7From(d.receivedAt, createHash("sha256").update(messageId).update("/").update(recipient).digest()),
    messageId,
    // A bounce of it is reported to this user (their forward or their answer could not be delivered).
    userId: d.recipient.userId,
    sender,
    recipient,
    domain: recipient.split("@")[1]!.toLowerCase(),
    nextAttemptAt: d.receivedAt,
    createdAt: d.receivedAt,
    expiresAt: d.receivedAt + deps.queueLifetimeMs,
    rawIndex,
  };
}

/** A forwarded copy leaves with the envelope sender rewritten to our domain (SRS), so the receiving
 * server's SPF check sees a server allowed to send for it; a bounce comes back to us and is
 * returned to the original sender. The null sender stays null (a bounce is never bounced). */
function forwardDelivery(d: UserDelivery, to: string, deps: DeliverDeps): PreparedDelivery {
  const domain = d.recipient.address.split("@")[1]!.toLowerCase();
  const sender = d.envelopeFrom === "" ? "" : (srsForward(d.envelopeFrom, { domain, secret: deps.srsSecret, now: d.receivedAt }) ?? "");
  return queuedDelivery(d, `forward/${to.toLowerCase()}`, sender, to, 0, deps);
}

async function vacationReply(d: UserDelivery, action: NonNullable<SieveOutcome["vacation"]>, deps: DeliverDeps) {
  const { userId, shard } = d.recipient;
  const user = await deps.directory.userById(userId);
  if (!user) return null;
  const userAddresses = [user.address, ...(await deps.directory.aliasesOf(userId)), d.recipient.address];
  const decision = vacationDecision({ action, envelopeFrom: d.envelopeFrom, headers: d.headers, userAddresses });
  if (!decision.send) {
    deps.log.debug("pipeline: no vacation answer", { userId, reason: decision.reason });
    return null;
  }
  const to = decision.to.toLowerCase();
  if (await vacationAnsweredSince(deps.shards.get(shard).db, userId, to, decision.handle, d.receivedAt - decision.periodSeconds * 1000)) return null;
  const replyId = deliveryMessageId(d.entryId, d.receivedAt, `${userId}/vacation`);
  const raw = await buildVacationReply({
    from: decision.from,
    to: decision.to,
    subject: action.subject,
    reason: action.reason,
    inReplyTo: d.mail.messageIdHeader,
    references: d.mail.references,
    originalSubject: d.mail.subject,
    date: new Date(d.receivedAt),
    messageId: `<${replyId}@${deps.hostname}>`,
  });
  // Sent with the null sender (RFC 5230 §5.1), so nothing answers the answer.
  return { raw, to, handle: decision.handle, delivery: queuedDelivery(d, "vacation", "", decision.to, 1, deps) };
}
