// After a start, the events of the last EVENT_REPUSH_WINDOW go to the edge again. Events are written
// in the transaction of their change but pushed after it, so a crash in between would otherwise lose
// the notification (the edge would only notice at the user's next change). The edge ignores seqs it
// already has, so pushing twice is harmless.
import type { Shards } from "../store/shards.ts";
import { recentEvents } from "../store/events.ts";
import type { EventNotifier } from "./notifier.ts";

/** Returns how many events were queued. */
export async function repushRecent(shards: Shards, notifier: Pick<EventNotifier, "publish">, since: number): Promise<number> {
  let count = 0;
  for (const name of shards.names) {
    const events = await recentEvents(shards.get(name), since);
    notifier.publish(events);
    count += events.length;
  }
  return count;
}
