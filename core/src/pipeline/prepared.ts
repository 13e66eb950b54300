// What preparing one spool entry yields, before a batch commits it: raw messages to store (packed
// with the rest of the batch), mailbox filings and remote deliveries that point at them by index.
import { createHash } from "node:crypto";
import { uuidv7From } from "../../../shared/ids.ts";
import type { Filing } from "../store/filing.ts";
import type { NewDelivery } from "../store/outbound-queue.ts";
import type { ParsedAttachment } from "../mail-format/parse.ts";

export type PreparedFiling = Omit<Filing, "raw"> & { shard: string; rawIndex: number };
export type PreparedDelivery = Omit<NewDelivery, "rawKey" | "rawOffset" | "rawLength"> & { rawIndex: number };

export interface Prepared {
  raws: Buffer[];
  filings: PreparedFiling[];
  attachments: ParsedAttachment[];
  deliveries: PreparedDelivery[];
  /** Runs after the batch committed (e.g. removing the draft that was sent, through the mailbox
   * service, which publishes what it records). */
  after?: () => Promise<void>;
  /** Not ready (a shard is missing from the map): stays in the spool for the next start. */
  keep?: boolean;
}

/** The id a message gets in one user's mailbox: time-ordered by receipt, and the same every time the
 * same spool entry is filed for the same user (so refiling after a crash finds it already there). */
export function deliveryMessageId(entryId: string, receivedAt: number, userId: string): string {
  return uuidv7From(receivedAt, createHash("sha256").update(entryId).update("/").update(userId).digest());
}

/** Several preparations of one spool entry as one: raws are concatenated and the indexes that
 * point at them shifted; attachments are stored once per content address anyway. */
export function mergePrepared(parts: Prepared[]): Prepared {
  const merged: Prepared = { raws: [], filings: [], attachments: [], deliveries: [] };
  const afters: NonNullable<Prepared["after"]>[] = [];
  // The same bytes (every recipient's copy when nothing differs between them) are stored once.
  const indexOf = new Map<Buffer, number>();
  for (const p of parts) {
    const at = p.raws.map((raw) => {
      let i = indexOf.get(raw);
      if (i === undefined) {
        i = merged.raws.push(raw) - 1;
        indexOf.set(raw, i);
      }
      return i;
    });
    merged.filings.push(...p.filings.map((f) => ({ ...f, rawIndex: at[f.rawIndex]! })));
    merged.deliveries.push(...p.deliveries.map((d) => ({ ...d, rawIndex: at[d.rawIndex]! })));
    if (merged.attachments.length === 0) merged.attachments = p.attachments;
    if (p.after) afters.push(p.after);
    if (p.keep) merged.keep = true;
  }
  if (afters.length > 0) merged.after = async () => void (await Promise.all(afters.map((a) => a())));
  return merged;
}
