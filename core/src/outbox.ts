// The one way outgoing mail enters the core, from the API's queue and from SMTP submission alike:
// into the spool (synced before anyone is told "accepted"), then to the pipeline. A message id is
// accepted once: a queue redelivery or a retried request finds it pending or already in Sent.
import type { OutboundMeta, SpoolMeta } from "./spool/entry.ts";
import type { MailHandoff } from "./spool/handoff.ts";
import type { Spool } from "./spool/spool.ts";
import { messageExists } from "./store/sending.ts";
import type { Shards } from "./store/shards.ts";
import { StoreUnavailableError } from "./store/unavailable.ts";

export class Outbox {
  readonly #spool: Spool<SpoolMeta>;
  readonly #pipeline: Pick<MailHandoff, "enqueue" | "isPending" | "blobStoreDown">;
  readonly #shards: Shards;
  /** Ids between the duplicate check and the spool append (the check awaits the shard). */
  readonly #accepting = new Set<string>();

  constructor(deps: { spool: Spool<SpoolMeta>; pipeline: Pick<MailHandoff, "enqueue" | "isPending" | "blobStoreDown">; shards: Shards }) {
    this.#spool = deps.spool;
    this.#pipeline = deps.pipeline;
    this.#shards = deps.shards;
  }

  /** What the blob store could not take waits with its sender (451 in SMTP, 503 in the API). Doors
   * that reserve a send first ask before the reservation, so a deferred send costs no quota. */
  refuseWhileStoreDown(): void {
    if (this.#pipeline.blobStoreDown) throw new StoreUnavailableError("the blob store");
  }

  /** `newId`: the id was minted a moment ago (by a reservation), so no copy of it can be in the shard yet. */
  async accept(meta: OutboundMeta, raw: Buffer, receivedAt = Date.now(), options: { newId?: boolean } = {}): Promise<"accepted" | "duplicate"> {
    const id = meta.messageId;
    if (this.#accepting.has(id) || this.#pipeline.isPending(id)) return "duplicate";
    this.refuseWhileStoreDown();
    this.#accepting.add(id);
    try {
      // A submission's id was minted by its reservation a moment ago: no copy of it can exist yet.
      if (meta.source !== "submission" && !options.newId && (await messageExists(this.#shards.get(meta.shard), meta.userId, id))) return "duplicate";
      const entry = { id, receivedAt, meta, raw };
      await this.#spool.append(entry);
      this.#pipeline.enqueue(entry);
      return "accepted";
    } finally {
      this.#accepting.delete(id);
    }
  }
}
