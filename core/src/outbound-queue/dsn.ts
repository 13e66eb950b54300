// Delivery status notifications (RFC 3464): the bounce a sender finds in their inbox when a message
// could not be delivered, naming each failed recipient and what the remote server said.
import { randomBytes } from "node:crypto";
import { rfc5322Date } from "../mail-format/rfc5322-date.ts";

export interface FailedRecipient {
  recipient: string;
  /** The remote server's reply, or why no server was reached. */
  reply: string;
  /** The host that gave the reply, if one did. */
  remoteHost: string | null;
  expired: boolean;
}

/** The RFC 3463 status in a reply (`550 5.1.1 …` → 5.1.1), or one that fits the failure. */
export function statusOf(f: FailedRecipient): string {
  const m = /\b([45])\.(\d{1,3})\.(\d{1,3})\b/.exec(f.reply);
  if (f.expired) return "4.4.7";
  if (m) return `5.${m[2]}.${m[3]}`;
  return "5.0.0";
}

export function buildDsn(d: {
  reportingHost: string;
  sender: string;
  originalMessageId: string | null;
  originalSubject: string;
  originalHeaders: string;
  arrivalDate: number;
  failed: FailedRecipient[];
  now: number;
}): Buffer {
  const boundary = `dsn-${randomBytes(12).toString("hex")}`;
  const lines = d.failed.map((f) =>
    f.expired
      ? `  <${f.recipient}>: delivery kept failing until the message expired. Last attempt: ${f.reply}`
      : `  <${f.recipient}>: ${f.reply}`,
  );
  const human = [
    "This is the mail system at " + d.reportingHost + ".",
    "",
    `Your message "${d.originalSubject}" could not be delivered to ${d.failed.length === 1 ? "this recipient" : "these recipients"}:`,
    "",
    ...lines,
    "",
    "Check the address, or try again later if the server reported a temporary problem.",
  ].join("\r\n");
  const perRecipient = d.failed
    .map((f) =>
      [
        `Final-Recipient: rfc822; ${f.recipient}`,
        "Action: failed",
        `Status: ${statusOf(f)}`,
        ...(f.remoteHost ? [`Remote-MTA: dns; ${f.remoteHost}`] : []),
        `Diagnostic-Code: smtp; ${f.reply.replace(/[\r\n]+/g, " ")}`,
        `Last-Attempt-Date: ${rfc5322Date(d.now)}`,
      ].join("\r\n"),
    )
    .join("\r\n\r\n");
  const text = [
    `From: Mail Delivery System <MAILER-DAEMON@${d.reportingHost}>`,
    `To: <${d.sender}>`,
    "Subject: Undelivered Mail Returned to Sender",
    `Date: ${rfc5322Date(d.now)}`,
    `Message-ID: <dsn-${randomBytes(8).toString("hex")}@${d.reportingHost}>`,
    ...(d.originalMessageId ? [`In-Reply-To: ${d.originalMessageId}`, `References: ${d.originalMessageId}`] : []),
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    human,
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    `Reporting-MTA: dns; ${d.reportingHost}`,
    `Arrival-Date: ${rfc5322Date(d.arrivalDate)}`,
    "",
    perRecipient,
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    d.originalHeaders.trimEnd(),
    "",
    `--${boundary}--`,
    "",
  ].join("\r\n");
  return Buffer.from(text, "utf8");
}
