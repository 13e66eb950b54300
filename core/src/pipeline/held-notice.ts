// What the sender reads when the outgoing spam check holds their message: which message, and why,
// in their inbox, from the postmaster of this service (as a bounce would come).
import { loadMailComposer } from "../mail-format/mail-composer.ts";

export interface HeldNoticeInput {
  hostname: string;
  sender: string;
  originalSubject: string;
  originalMessageId: string | null;
  score: number;
  threshold: number;
  tests: string[];
  date: Date;
}

export async function buildHeldNotice(input: HeldNoticeInput): Promise<Buffer> {
  const subject = input.originalSubject.trim() || "(no subject)";
  const text = [
    `Your message "${subject}" was not sent.`,
    "",
    `Our spam filter scored it ${input.score.toFixed(1)}; messages from ${input.threshold.toFixed(1)} on are held, so that`,
    "mail from this service keeps reaching inboxes everywhere.",
    "",
    `What the filter found: ${input.tests.join(", ") || "(nothing named)"}.`,
    "",
    "If this is a mistake, change what the filter found (for example the GTUBE test text, many links",
    "with little text, or a subject in capitals) and send it again. It is still in your Sent folder.",
  ].join("\n");
  const MailComposer = await loadMailComposer();
  const composer = new MailComposer({
    from: `Mail Delivery System <postmaster@${input.hostname}>`,
    to: input.sender,
    subject: `Not sent: ${subject}`,
    text,
    date: input.date,
    ...(input.originalMessageId ? { inReplyTo: input.originalMessageId, references: input.originalMessageId } : {}),
    headers: { "Auto-Submitted": "auto-replied" },
  });
  return composer.compile().build();
}
