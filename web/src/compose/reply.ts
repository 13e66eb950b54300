// What a reply, a reply to all and a forward start with, as mail clients make them: recipients from
// Reply-To (or From), everyone else for "all" minus the user; "Re: "/"Fwd: " once; the original quoted.
import type { MailAddress, Message } from "../../../shared/api.ts";
import type { ComposeMode } from "../state/compose.ts";
import { fromMailAddress, sameAddress, type Recipient } from "./addresses.ts";

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const line = (a: MailAddress) => (a.name ? `${a.name} <${a.address}>` : a.address);

export function replyRecipients(m: Message, mode: "reply" | "replyAll", self: string): { to: Recipient[]; cc: Recipient[] } {
  const mine = (a: MailAddress) => sameAddress(a.address, self);
  // Answering one's own message (from Sent) goes to its recipients again, as Gmail does.
  const fromMe = m.from !== null && mine(m.from);
  const base = fromMe ? m.to : m.replyTo.length ? m.replyTo : m.from ? [m.from] : [];
  const seen: MailAddress[] = [];
  const take = (list: MailAddress[]) =>
    list.filter((a) => {
      if (mine(a) || seen.some((s) => sameAddress(s.address, a.address))) return false;
      seen.push(a);
      return true;
    });
  if (mode === "reply") {
    const to = take(base);
    return { to: (to.length ? to : base.slice(0, 1)).map(fromMailAddress), cc: [] };
  }
  const to = take(fromMe ? base : [...base, ...m.to]);
  const cc = take(m.cc);
  return { to: (to.length ? to : base.slice(0, 1)).map(fromMailAddress), cc: cc.map(fromMailAddress) };
}

export function replySubject(subject: string, mode: ComposeMode): string {
  const s = subject.trim();
  if (mode === "forward") return /^(fwd?|wg|tr)\s*:/i.test(s) ? s : `Fwd: ${s}`;
  return /^(re|aw|sv|antw)\s*:/i.test(s) ? s : `Re: ${s}`;
}

/** The original's text: its text part, or its HTML made text. */
function originalText(m: Message, htmlToText: (html: string) => string): string {
  return (m.text ?? (m.html ? htmlToText(m.html) : "")).replace(/\r\n/g, "\n").replace(/\n+$/, "");
}

/** The body a reply or forward starts with, as plain text (the rich editor turns "> " lines into a quote). */
export function quotedBody(m: Message, mode: "reply" | "replyAll" | "forward", htmlToText: (html: string) => string): string {
  const text = originalText(m, htmlToText);
  const date = when.format(new Date(m.date ?? m.receivedAt));
  if (mode === "forward") {
    const head = [
      "---------- Forwarded message ---------",
      `From: ${m.from ? line(m.from) : "(unknown)"}`,
      `Date: ${date}`,
      `Subject: ${m.subject}`,
      `To: ${m.to.map(line).join(", ")}`,
      ...(m.cc.length ? [`Cc: ${m.cc.map(line).join(", ")}`] : []),
    ];
    return `\n\n${head.join("\n")}\n\n${text}\n`;
  }
  const who = m.from ? line(m.from) : "someone";
  const quoted = text.split("\n").map((l) => (l.startsWith(">") ? `>${l}` : l ? `> ${l}` : ">"));
  return `\n\nOn ${date}, ${who} wrote:\n${quoted.join("\n")}\n`;
}
