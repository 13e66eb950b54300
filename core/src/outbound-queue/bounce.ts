// What the delivery agent owes a sender when it gives up on recipients: a DSN in their inbox. The
// agent (smtp/outbound) names only this; the core's wiring hands it the pipeline's filer
// (pipeline/file-dsn.ts), which files the DSN as the pipeline files any mail, so the SMTP client
// needs neither the parser nor the mailbox.
import type { Delivery } from "../store/outbound-queue.ts";
import type { FailedRecipient } from "./dsn.ts";

/** A recipient given up on, with its row in the queue. */
export interface Bounce {
  row: Delivery;
  failure: FailedRecipient;
}

/** Files one DSN for bounces of one message. Filing the same bounces again (after a crash between
 * the DSN and the rows' update) finds it already there. */
export type ReturnToSender = (bounced: Bounce[]) => Promise<void>;
