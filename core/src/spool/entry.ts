// What the spool holds: mail that came in over SMTP (inbound) and mail users send (outbound), each
// with the envelope the pipeline needs to finish the job without asking anyone again.
import type { SpoolEntry } from "./spool.ts";
import type { AuthVerdict } from "../store/auth-verdict.ts";

export type InboundRecipient = LocalRecipient | ReturnedRecipient;

export interface LocalRecipient {
  /** As given in RCPT TO. */
  address: string;
  userId: string;
  shard: string;
}

/** An SRS address of ours (a bounce of mail a user forwarded): relayed to the original sender. */
export interface ReturnedRecipient {
  address: string;
  returnTo: string;
}

export interface InboundMeta {
  kind: "inbound";
  /** Envelope sender; empty for the null sender `<>` (bounces). */
  mailFrom: string;
  recipients: InboundRecipient[];
  client: { address: string; helo: string; tls: boolean };
  /** Sender authentication at DATA; absent in entries spooled before it existed. */
  auth?: AuthVerdict;
  /** Whether clamd passed it ("clean") or nothing could scan it. Infected mail is never spooled. */
  virusScan?: "clean" | "unscanned";
}

export interface OutboundMeta {
  kind: "outbound";
  /** api: the raw bytes are an OutboundSubmission (JSON); submission: an RFC 5322 message. */
  source: "api" | "submission";
  userId: string;
  shard: string;
  /** The sender's address (envelope sender and From). */
  sender: string;
  /** The message's id in the sender's Sent folder. */
  messageId: string;
  /** Envelope recipients, normalized (submission: RCPT TO; api: to, cc and bcc). */
  recipients: string[];
  draftId?: string;
}

export type SpoolMeta = InboundMeta | OutboundMeta;
export type InboundEntry = SpoolEntry<InboundMeta>;
export type OutboundEntry = SpoolEntry<OutboundMeta>;
export type MailEntry = SpoolEntry<SpoolMeta>;
