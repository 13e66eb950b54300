// Where a door hands a message once the spool has synced it: the pipeline, through its thread's
// handle (pipeline-thread/thread.ts implements this). The doors (the MX, submission and the API's
// outbox) name only this interface, so they stand above the spool without depending on the pipeline
// they feed; a new door (LMTP, another region's relay) hands its mail over the same way.
import type { MailEntry } from "./entry.ts";

export interface MailHandoff {
  /** Takes an entry the spool holds; the pipeline marks it done in the spool once filed. It may take
   * `entry.raw`'s memory with it (to the pipeline thread, uncopied): the door does not read it after. */
  enqueue(entry: MailEntry): void;
  /** Bytes handed over and not yet filed: the MX defers new mail above its limit. */
  readonly backlogBytes: number;
  /** The blob store failed the pipeline's last batch (and none got through since): the doors defer
   * new mail, which could not be filed either, as they do for a shard that is down. */
  readonly blobStoreDown: boolean;
  /** Whether an entry (outbound mail: the message id) was handed over and is not yet done. */
  isPending(id: string): boolean;
}
