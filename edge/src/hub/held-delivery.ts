// The hub's alarm hands the held sends that are due to the sender's core (coreApi.submit, which spools
// each message id once: a retry after an answer that got lost sends nothing twice). A send the core
// took is done; one it refuses as invalid (4xx), or that keeps failing for days, is recorded with the
// core (`npm run cli -- queue errors`) instead; a core that cannot be reached is tried again later, as
// the outgoing queue's consumer did (queue/consumers.ts).
import { coreApi } from "../../../shared/internal-api.ts";
import { isProblem } from "../../../shared/problem.ts";
import type { CoreClient } from "../core-client.ts";
import { log } from "../log.ts";
import type { BlobBucket } from "../platform.ts";
import { retryDelaySeconds } from "../queue/consumers.ts";
import type { HeldSends, OwedSend } from "./held-sends.ts";

export interface HeldDeliveryDeps {
  core: CoreClient;
  blobs: BlobBucket;
  userId: string;
}

/** Sends handed to the core side by side. */
const BATCH = 50;
/** Longer than a core call may take (core-client.ts), so a lease outlives the attempt it covers. */
const LEASE_MS = 60_000;
/** As the outgoing queue's max_retries: about four days of a core that cannot take the message. */
export const MAX_ATTEMPTS = 100;

async function problemReason(response: Response): Promise<string> {
  const problem: unknown = await response.json().catch(() => null);
  return isProblem(problem) ? [problem.detail ?? problem.title, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)].join("; ") : `core answered ${response.status}`;
}

async function dropBody(deps: HeldDeliveryDeps, key: string | null): Promise<void> {
  if (key === null) return;
  // Left behind, it is only an unreferenced object: the send itself is settled.
  await deps.blobs.delete(key).catch((err) => log.warn("hub: a held send's body could not be removed", { key, err }));
}

async function deliverOne(held: HeldSends, deps: HeldDeliveryDeps, send: OwedSend, now: number): Promise<void> {
  const retry = (reason: string) => {
    const attempts = send.attempts + 1;
    if (attempts >= MAX_ATTEMPTS && send.refused === null) held.refuse(send.messageId, `the sender's core could not take the message after every retry (${reason})`, now);
    else held.retryAt(send.messageId, now + retryDelaySeconds(attempts) * 1000);
  };
  // Before the first await: a second run (an alarm retried while this one still runs) passes it over.
  held.lease(send.messageId, now + LEASE_MS);
  try {
    if (send.refused !== null) {
      const response = await deps.core.call(send.region, coreApi.queueError, {
        params: {},
        body: { id: `${send.messageId}:refused`, userId: deps.userId, messageId: send.messageId, reason: send.refused },
      });
      if (!response.ok) return retry(`core answered ${response.status}`);
      held.done(send.messageId);
      return dropBody(deps, send.bodyKey);
    }
    // Synchronous, before the first await: a cancel from now on is told the send is on its way.
    if (send.state === "held" && held.claim(send.messageId) === "cancelled") return held.done(send.messageId);
    const json = send.body ?? (send.bodyKey ? await deps.blobs.getText(send.bodyKey) : null);
    if (json === null) return held.refuse(send.messageId, "the message's body is missing from storage", now);
    const response = await deps.core.call(send.region, coreApi.submit, { params: { userId: deps.userId }, body: JSON.parse(json) });
    if (response.ok) {
      held.done(send.messageId);
      return dropBody(deps, send.bodyKey);
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      return held.refuse(send.messageId, await problemReason(response), now);
    }
    retry(`core answered ${response.status}`);
  } catch (err) {
    log.warn("hub: a held send did not reach its core; retrying", { messageId: send.messageId, err });
    retry(err instanceof Error ? err.message : String(err));
  }
}

/** Hands every send due by now to its core; what fails stays owed, at a later time (HeldSends.nextDue). */
export async function deliverDueSends(held: HeldSends, deps: HeldDeliveryDeps, now = Date.now()): Promise<void> {
  // A refusal is owed at once and comes round again in the next batch; everything else leaves the
  // due set (done, or owed later).
  for (let due = held.due(now, BATCH); due.length > 0; due = held.due(now, BATCH)) {
    await Promise.all(due.map((send) => deliverOne(held, deps, send, now)));
  }
}
