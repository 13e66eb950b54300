// The signed-in user's mailbox: account, folders, messages. Each route validates its input, then
// forwards to the user's home core (the region in the token) with the user id in the signed path.
import { Hono, type Context } from "hono";
import { FolderRef, Id, MessagePatch, PageQuery } from "../../../shared/api.ts";
import { ProblemError } from "../../../shared/problem.ts";
import { jsonBody, query } from "../validate.ts";

/** Forwards to the user's core and relays its JSON answer (or problem) as it is. */
async function forward(c: Context, method: string, path: string, body?: unknown): Promise<Response> {
  const user = c.get("user");
  const data = await c.get("core").json<unknown>(user.rgn, method, `/internal/v1/users/${user.sub}${path}`, body);
  return c.json(data as object);
}

function messageId(c: Context): string {
  const id = c.req.param("id") ?? "";
  // Not even shaped like an id: the same 404 a stranger's message gets.
  if (!Id.safeParse(id).success) throw new ProblemError("notFound", `No message ${id}.`);
  return id;
}

export const mailboxRoutes = new Hono()
  .get("/account", (c) => forward(c, "GET", "/account"))
  .get("/folders", (c) => forward(c, "GET", "/folders"))
  .get("/folders/:folder/messages", (c) => {
    const folder = c.req.param("folder");
    if (!FolderRef.safeParse(folder).success) throw new ProblemError("notFound", `No folder ${folder}.`);
    const page = query(c, PageQuery);
    const qs = new URLSearchParams({ limit: String(page.limit), ...(page.cursor ? { cursor: page.cursor } : {}) });
    return forward(c, "GET", `/folders/${encodeURIComponent(folder)}/messages?${qs}`);
  })
  .get("/messages/:id", (c) => forward(c, "GET", `/messages/${messageId(c)}`))
  .patch("/messages/:id", async (c) => {
    const id = messageId(c);
    return forward(c, "PATCH", `/messages/${id}`, await jsonBody(c, MessagePatch));
  })
  .delete("/messages/:id", (c) => forward(c, "DELETE", `/messages/${messageId(c)}`));
