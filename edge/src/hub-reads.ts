// The reads the user's hub answers from its inbox head: the folder list and the inbox's first page
// (unless the client asks `Cache-Control: no-cache`). The auth middleware asks for the request's read
// along with the credential check, so such a request makes one call to the hub, not two; the route
// then takes that answer (readFromHub).
import type { Context } from "hono";
import type { Folder, MessagePage } from "../../shared/api.ts";
import { PageQuery } from "../../shared/api.ts";
import { HEAD_KEEP } from "./hub/inbox-head.ts";
import type { HubAnswer, HubRead } from "./hub-types.ts";

function noCache(c: Context): boolean {
  return /\bno-cache\b/i.test(c.req.header("cache-control") ?? "") || /\bno-cache\b/i.test(c.req.header("pragma") ?? "");
}

/** The read of this request that the hub answers, or null (the core answers). */
export function hubReadOf(c: Context): HubRead | null {
  if (c.req.method !== "GET" || noCache(c)) return null;
  if (c.req.path === "/api/v1/folders") return { kind: "folders" };
  if (c.req.path !== "/api/v1/folders/inbox/messages") return null;
  // A bad query is the route's to name; a listing by thread or past the head comes from the core.
  const page = PageQuery.safeParse(c.req.query());
  if (!page.success || page.data.cursor || page.data.collapseThreads || page.data.limit > HEAD_KEEP) return null;
  return { kind: "inboxPage", limit: page.data.limit };
}

type Value<R extends HubRead> = R extends { kind: "folders" } ? { folders: Folder[] } : MessagePage;

function valueOf<R extends HubRead>(read: R, answer: HubAnswer): Value<R> | null {
  if (answer.kind === "folders" && read.kind === "folders") return { folders: answer.folders } as Value<R>;
  if (answer.kind === "inboxPage" && read.kind === "inboxPage" && answer.limit === read.limit) return answer.page as Value<R> | null;
  return null;
}

/** The hub's answer to `read`, or null when the core must answer (the head does not hold it, or the
 * hub could not read: it is a cache in front of the core). */
export async function readFromHub<R extends HubRead>(c: Context, read: R): Promise<Value<R> | null> {
  const fetched = c.get("hubAnswer");
  if (fetched) return valueOf(read, fetched);
  const user = c.get("user");
  const hub = c.get("platform").hub(user.sub, user.rgn);
  try {
    const answer: HubAnswer =
      read.kind === "folders" ? { kind: "folders", ...(await hub.folders(user.sub, user.rgn)) } : { kind: "inboxPage", limit: read.limit, page: await hub.inboxPage(user.sub, user.rgn, read.limit) };
    return valueOf(read, answer);
  } catch (err) {
    c.get("log").warn("edge: hub read failed; asking the core", { err });
    return null;
  }
}
