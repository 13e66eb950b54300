// RFC 5230 vacation: whether to answer a message (§4.5 address restriction, §4.6 no answers to automated
// senders and lists, RFC 3834 §2) and the answer itself (§5). Pure: the caller keeps the record of whom
// it answered under which handle, and sends at most one answer per (handle, sender) within periodSeconds.
import { createHash } from "node:crypto";
import addressparser from "nodemailer/lib/addressparser";
import { loadMailComposer } from "../../mail-format/mail-composer.ts";
import { parseAddress, withoutSubaddress } from "../../../../shared/address.ts";
import type { VacationAction } from "./interpret.ts";

const DAY = 86_400;
export const vacationPeriod = { defaultSeconds: 7 * DAY, minSeconds: DAY, maxSeconds: 90 * DAY } as const;

/** RFC 5230 §4.5: the user must be a visible recipient, or the answer would go to list or Bcc traffic. */
const RECIPIENT_HEADERS = ["to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"];
/** RFC 2369 and RFC 2919 list headers (and two common non-standard ones). */
const LIST_HEADERS = ["list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner", "list-archive", "mailing-list", "x-mailing-list"];
/** Local parts that are never a person (RFC 5230 §4.6 names owner-*, *-request and MAILER-DAEMON). */
const MACHINE_SENDER = /^(?:owner-.*|.*-request|mailer-daemon|postmaster|listserv|majordomo|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)(?:[-+._].*)?$/i;

export type VacationDecision =
  | { send: false; reason: string }
  | {
      send: true;
      /** The envelope sender of the message: RFC 5230 §4.4 answers the return path, not From. */
      to: string;
      /** The user's address to answer from: :from when it is one of the user's, else the one addressed. */
      from: string;
      handle: string;
      periodSeconds: number;
    };

export interface VacationInput {
  action: VacationAction;
  envelopeFrom: string;
  headers: (name: string) => string[];
  userAddresses: string[];
}

/** A comparable form of an address: lowercase, without a +detail. */
function addressKey(address: string): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return null;
  const bare = withoutSubaddress(parsed);
  return `${bare.local}@${bare.domain}`;
}

function addressesIn(values: string[]): string[] {
  return values.flatMap((value) => addressparser(value, { flatten: true }).map((a) => a.address)).filter((a) => a !== "");
}

/** RFC 5230 §4.2: without :handle, answers count as the same when reason, :subject, :from and :mime are. */
export function vacationHandle(action: VacationAction): string {
  if (action.handle !== null) return action.handle;
  return "auto-" + createHash("sha256").update(JSON.stringify([action.reason, action.subject, action.from, false])).digest("hex").slice(0, 32);
}

export function vacationPeriodSeconds(action: VacationAction): number {
  const asked = action.periodSeconds ?? vacationPeriod.defaultSeconds;
  return Math.min(vacationPeriod.maxSeconds, Math.max(vacationPeriod.minSeconds, asked));
}

export function vacationDecision(input: VacationInput): VacationDecision {
  const { action, headers } = input;
  const returnPath = input.envelopeFrom.trim().replace(/^<(.*)>$/, "$1");
  if (returnPath === "") return { send: false, reason: "the message has no return path (a bounce or notification)" };
  const sender = parseAddress(returnPath);
  if (!sender) return { send: false, reason: "the return path is not a mail address" };

  const own = new Set(input.userAddresses.map(addressKey).filter((a) => a !== null));
  const accepted = new Set([...own, ...action.addresses.map(addressKey).filter((a) => a !== null)]);
  if (own.has(addressKey(returnPath)!)) return { send: false, reason: "the message is from the user" };

  const autoSubmitted = headers("auto-submitted").map((v) => v.split(/[;(]/)[0]!.trim().toLowerCase());
  if (autoSubmitted.some((v) => v !== "" && v !== "no")) return { send: false, reason: `the message was sent automatically (Auto-Submitted: ${autoSubmitted.join(", ")})` };
  const suppress = headers("x-auto-response-suppress").join(",").toLowerCase();
  if (/\b(all|oof)\b/.test(suppress)) return { send: false, reason: "the sender asked for no automatic answers (X-Auto-Response-Suppress)" };
  const listHeader = LIST_HEADERS.find((name) => headers(name).length > 0);
  if (listHeader) return { send: false, reason: `the message came through a mailing list (${listHeader})` };
  const precedence = headers("precedence").map((v) => v.trim().toLowerCase());
  if (precedence.some((v) => ["bulk", "list", "junk", "auto_reply"].includes(v))) return { send: false, reason: `the message is bulk mail (Precedence: ${precedence.join(", ")})` };

  const machine = [returnPath, ...addressesIn(headers("from"))].find((a) => MACHINE_SENDER.test(a.includes("@") ? a.slice(0, a.lastIndexOf("@")) : a));
  if (machine) return { send: false, reason: `${machine} is not a person's address` };

  const addressed = addressesIn(RECIPIENT_HEADERS.flatMap((name) => headers(name))).find((a) => accepted.has(addressKey(a) ?? ""));
  if (!addressed) return { send: false, reason: "the user is not among the message's visible recipients" };

  const fromAddress = action.from ? addressesIn([action.from])[0] : undefined;
  const from = fromAddress && own.has(addressKey(fromAddress) ?? "") ? action.from! : own.has(addressKey(addressed)!) ? addressed : input.userAddresses[0]!;
  return { send: true, to: returnPath, from, handle: vacationHandle(action), periodSeconds: vacationPeriodSeconds(action) };
}

export interface VacationReplyInput {
  from: string;
  to: string;
  /** :subject of the script; null for RFC 5230's default "Auto: <original subject>". */
  subject: string | null;
  reason: string;
  /** The answered message's Message-ID and References. */
  inReplyTo: string | null;
  references: string[];
  originalSubject: string;
  date: Date;
  messageId: string;
}

/**
 * The answer as RFC 5322 bytes. The caller must send it with an empty envelope sender (MAIL FROM:<>,
 * RFC 5230 §5.1 and RFC 3834 §3.3) so that a bounce of it, or another auto-responder, cannot answer back.
 */
export async function buildVacationReply(input: VacationReplyInput): Promise<Buffer> {
  const original = input.originalSubject.trim();
  const subject = input.subject ?? (original ? `Auto: ${original}` : "Automated reply");
  const references = input.inReplyTo ? [...input.references, input.inReplyTo].slice(-20) : input.references;
  const MailComposer = await loadMailComposer();
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    subject,
    text: input.reason,
    date: input.date,
    messageId: input.messageId,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(references.length > 0 ? { references: references.join(" ") } : {}),
    headers: { "Auto-Submitted": "auto-replied" },
  });
  return composer.compile().build();
}
