// How the internal API answers a mailbox change: the change's own JSON, the user's seq after it in
// EVENT_SEQ_HEADER (the edge then knows which seq already includes what its client just did, and
// need not wait for that notification), and the change's events handed to the notifier.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { CoreEvent } from "../../../shared/events.ts";
import { EVENT_SEQ_HEADER } from "../../../shared/internal-api.ts";
import type { Change } from "../store/events.ts";
import { answer } from "./serve.ts";

export type PublishEvents = (events: CoreEvent[]) => void;

export function answerChange<A extends z.ZodType>(c: Context, route: { answer: A }, change: Change<z.input<A>>, publish: PublishEvents, status: ContentfulStatusCode = 200): Response {
  publish(change.events);
  c.header(EVENT_SEQ_HEADER, String(change.seq));
  return answer(c, route, change.value, status);
}
