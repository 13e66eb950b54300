// What a check at RCPT TO knows of the transaction and what it answers, in a file of its own because
// two checks answer with it: rcpt.ts (our users) and srs-bounce.ts (bounces to SRS addresses), to
// which rcpt.ts hands those.
import type { InboundRecipient } from "../../spool/entry.ts";
import type { SmtpReply } from "../reply.ts";

export type RcptVerdict = { accept: true; recipient: InboundRecipient } | { accept: false; reply: SmtpReply };

export interface RcptContext {
  /** MAIL FROM; "" for the null reverse path. */
  mailFrom: string;
  clientAddress: string;
  /** The SIZE the client declared at MAIL FROM (RFC 1870), 0 when it did not. */
  declaredSize: number;
}
