// How the internal API answers a mailbox change: the change's own JSON (its route's answer), and the
// user's seq after it in EVENT_SEQ_HEADER (the edge then knows which seq already includes what its
// client just did, and need not wait for that notification). The mailbox service has published the
// change's events.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { EVENT_SEQ_HEADER } from "../../../shared/internal-api.ts";
import type { Change } from "../store/events.ts";
import { answer } from "./serve.ts";

export function answerChange<A extends z.ZodType>(c: Context, route: { answer: A }, change: Change<z.input<A>>, status: ContentfulStatusCode = 200): Response {
  c.header(EVENT_SEQ_HEADER, String(change.seq));
  return answer(c, route, change.value, status);
}
