// The user's mailbox events, three ways, all served by the user's Durable Object:
//  GET /events/ws      WebSocket (token in Sec-WebSocket-Protocol `bearer.<token>` next to
//                      `edgemail.v1`, or ?access_token=); ?since=<cursor> replays what was missed.
//  GET /events         long-poll: answers at once when events after `since` wait, else holds up to
//                      `timeout` seconds (default 25) for the next one.
//  GET /events/stream  Server-Sent Events; resumes from Last-Event-ID (or ?since=).
// The two a browser cannot set headers on take the token as ?access_token= too (middleware/auth.ts).
// A principal without mail.read gets message.created without the message's content (hub/event-view.ts).
import { Hono, type Context } from "hono";
import { EventsQuery } from "../../../shared/events.ts";
import { ProblemError } from "../../../shared/problem.ts";
import type { ListenerPrincipal } from "../hub-types.ts";
import { PRINCIPAL_HEADER } from "../platform.ts";
import { readsMail } from "../scopes.ts";
import { query } from "../validate.ts";

function listener(c: Context): ListenerPrincipal {
  const principal = c.get("principal");
  const { exp } = c.get("user");
  // An API key without expiry has exp = MAX_SAFE_INTEGER seconds (see the auth middleware).
  return {
    kind: principal.kind,
    id: principal.id,
    expiresAt: exp >= Math.floor(Number.MAX_SAFE_INTEGER / 1000) ? null : exp * 1000,
    readsMail: readsMail(principal.scopes),
  };
}

/** Forwards to the hub's fetch with who is listening; the original request's upgrade headers go along. */
function toHub(c: Context, path: string, since: number | undefined): Promise<Response> {
  const url = new URL(`https://hub${path}`);
  if (since !== undefined) url.searchParams.set("since", String(since));
  const headers = new Headers(c.req.raw.headers);
  headers.set(PRINCIPAL_HEADER, JSON.stringify(listener(c)));
  return c.get("platform").hub(c.get("user").sub, c.get("user").rgn).fetch(new Request(url, { headers }));
}

export const eventRoutes = new Hono()
  .get("/events/ws", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ProblemError("upgradeRequired", "Open this with a WebSocket client (Upgrade: websocket); without WebSockets use GET /api/v1/events or /api/v1/events/stream.", {
        headers: { upgrade: "websocket" },
      });
    }
    const { since } = query(c, EventsQuery);
    return toHub(c, "/ws", since);
  })
  .get("/events/stream", async (c) => {
    const { since } = query(c, EventsQuery);
    const lastEventId = c.req.header("last-event-id");
    const resumeFrom = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : since;
    return toHub(c, "/stream", resumeFrom);
  })
  .get("/events", async (c) => {
    const { since, timeout } = query(c, EventsQuery);
    const page = await c.get("platform").hub(c.get("user").sub, c.get("user").rgn).poll(since ?? null, timeout * 1000, listener(c));
    return c.json(page);
  });
