// The signed-in user's mailbox: account, folders, messages, threads. Each route validates its input,
// then forwards to the user's home core (the region in the token) with the user id in the signed path.
// The folder list and the inbox's first page come from the user's Durable Object (the hot head,
// kept current by the core's events) unless the client asks `Cache-Control: no-cache`; the answer
// says where it came from in `x-edgemail-served-by`. After a change the user makes here, the
// Durable Object learns the change's seq and serves no head older than it.
import { Hono, type Context } from "hono";
import { FolderRef, Id, MessagePatch, MessagesDelete, MessagesPatch, PageQuery } from "../../../shared/api.ts";
import { coreApi, type CoreRequest, type CoreRoute, type PathParams } from "../../../shared/internal-api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { hubReadOf, readFromHub } from "../hub-reads.ts";
import { changeThroughCore } from "./core-change.ts";
import { jsonBody, query } from "../validate.ts";

/** A call of a user route, but for the user, whom the token names. */
type ForUser<R extends CoreRoute> = Omit<CoreRequest<R>, "params"> & { params: Omit<PathParams<R["path"]>, "userId"> };

/** Forwards to the user's core and relays its JSON answer (or problem) as it is. */
async function forward<R extends CoreRoute>(c: Context, route: R, request: ForUser<R>): Promise<Response> {
  const user = c.get("user");
  const call = { ...request, params: { ...request.params, userId: user.sub } } as CoreRequest<R>;
  const data = route.method === "GET" ? (await c.get("core").relay(user.rgn, route, call)).data : await changeThroughCore(c, route, call);
  c.header("x-edgemail-served-by", "core");
  return c.json(data as object);
}

function pathId(c: Context, what: "message" | "thread"): string {
  const id = c.req.param("id") ?? "";
  // Not even shaped like an id: the same 404 a stranger's message gets.
  if (!Id.safeParse(id).success) throw new ProblemError("notFound", `No ${what} ${id}.`);
  return id;
}

const messageId = (c: Context) => pathId(c, "message");

export const mailboxRoutes = new Hono()
  .get("/account", (c) => forward(c, coreApi.account, { params: {} }))
  .get("/folders", async (c) => {
    const read = hubReadOf(c);
    const head = read?.kind === "folders" ? await readFromHub(c, read) : null;
    if (!head) return forward(c, coreApi.folders, { params: {} });
    c.header("x-edgemail-served-by", "hub");
    return c.json(head);
  })
  .get("/keywords", (c) => forward(c, coreApi.keywords, { params: {} }))
  .get("/folders/:folder/messages", async (c) => {
    const folder = c.req.param("folder");
    if (!FolderRef.safeParse(folder).success) throw new ProblemError("notFound", `No folder ${folder}.`);
    const page = query(c, PageQuery);
    // The hub keeps the inbox's head message by message; other folders, later pages and listings by
    // thread come from the core.
    const read = hubReadOf(c);
    const head = read?.kind === "inboxPage" ? await readFromHub(c, read) : null;
    if (head) {
      c.header("x-edgemail-served-by", "hub");
      return c.json(head);
    }
    return forward(c, coreApi.folderMessages, { params: { folder }, query: page });
  })
  .get("/threads/:id", (c) => forward(c, coreApi.thread, { params: { id: pathId(c, "thread") } }))
  .get("/messages/:id", (c) => forward(c, coreApi.message, { params: { id: messageId(c) } }))
  .patch("/messages/:id", async (c) => {
    const id = messageId(c);
    return forward(c, coreApi.updateMessage, { params: { id }, body: await jsonBody(c, MessagePatch) });
  })
  // Many messages at once ("select all, then archive"): one call, one transaction in the core.
  .patch("/messages", async (c) => forward(c, coreApi.updateMessages, { params: {}, body: await jsonBody(c, MessagesPatch) }))
  .delete("/messages/:id", (c) => forward(c, coreApi.deleteMessage, { params: { id: messageId(c) } }))
  // "Select all, then Delete" in one call (Gmail's batchDelete; POST since a DELETE's body is dropped by some clients).
  .post("/messages/delete", async (c) => forward(c, coreApi.deleteMessages, { params: {}, body: await jsonBody(c, MessagesDelete) }))
  // Gmail's "Report spam" / "Not spam": the move and the spam filter's lesson in one call.
  .post("/messages/:id/report-spam", (c) => forward(c, coreApi.reportSpam, { params: { id: messageId(c) } }))
  .post("/messages/:id/not-spam", (c) => forward(c, coreApi.notSpam, { params: { id: messageId(c) } }));
