// How the internal API answers a mailbox change: the change's own JSON, and the user's seq after it in
// x-edgemail-event-seq (the edge then knows which seq already includes what its client just did, and
// need not wait for that notification). The mailbox service has published the change's events.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Change } from "../store/events.ts";

export const EVENT_SEQ_HEADER = "x-edgemail-event-seq";

export function answerChange<T>(c: Context, change: Change<T>, status: ContentfulStatusCode = 200): Response {
  c.header(EVENT_SEQ_HEADER, String(change.seq));
  return c.json(change.value as object, status);
}
