// What the MX writes into the spool with each accepted message: the envelope, with recipients
// already resolved against the directory at RCPT time (so filing needs no directory lookup).
import type { SpoolEntry } from "../spool/spool.ts";

export interface InboundRecipient {
  /** As given in RCPT TO. */
  address: string;
  userId: string;
  shard: string;
}

export interface InboundMeta {
  kind: "inbound";
  /** Envelope sender; empty for the null sender `<>` (bounces). */
  mailFrom: string;
  recipients: InboundRecipient[];
  client: { address: string; helo: string; tls: boolean };
}

export type InboundEntry = SpoolEntry<InboundMeta>;
