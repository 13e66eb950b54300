// A user's mailbox events and head, for the edge's per-user Durable Object: the head is where it
// starts (or restarts after a gap), the events are what it missed since a seq it has.
import { Hono } from "hono";
import { z } from "zod";
import { ProblemError } from "../../../../shared/problem.ts";
import { readEvents } from "../../store/events.ts";
import { readHead } from "../../store/head.ts";
import { parseQuery } from "../validate.ts";

const wholeNumber = (field: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be between ${min} and ${max}`)
    .max(max, `${field} must be between ${min} and ${max}`);

const EventsSince = z.strictObject({
  since: wholeNumber("since", 0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber("limit", 1, 1000).default(500),
});

const HeadQuery = z.strictObject({ limit: wholeNumber("limit", 1, 200).default(50) });

const noMailbox = () => new ProblemError("notFound", "This account has no mailbox.");

export function eventRoutes(): Hono {
  const app = new Hono();

  app.get("/events", async (c) => {
    const { since, limit } = parseQuery(c, EventsSince);
    const page = await readEvents(c.get("shard"), c.get("user").id, since, limit);
    if (!page) throw noMailbox();
    return c.json(page);
  });

  app.get("/head", async (c) => {
    const { limit } = parseQuery(c, HeadQuery);
    const head = await readHead(c.get("shard"), c.get("user").id, limit);
    if (!head) throw noMailbox();
    return c.json(head);
  });

  return app;
}
