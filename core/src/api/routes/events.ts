// A user's mailbox events and head, for the edge's per-user Durable Object: the head is where it
// starts (or restarts after a gap), the events are what it missed since a seq it has.
import { Hono } from "hono";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { readEvents } from "../../store/events.ts";
import { readHead } from "../../store/head.ts";
import { answer, serve } from "../serve.ts";
import { parseQuery } from "../validate.ts";

const noMailbox = () => new ProblemError("notFound", "This account has no mailbox.");

export function eventRoutes(): Hono {
  const app = new Hono();

  serve(app, coreApi.events, async (c) => {
    const { since, limit } = parseQuery(c, coreApi.events);
    const page = await readEvents(c.get("shard"), c.get("user").id, since, limit);
    if (!page) throw noMailbox();
    return answer(c, coreApi.events, page);
  });

  serve(app, coreApi.head, async (c) => {
    const { limit } = parseQuery(c, coreApi.head);
    const head = await readHead(c.get("shard"), c.get("user").id, limit);
    if (!head) throw noMailbox();
    return answer(c, coreApi.head, head);
  });

  return app;
}
