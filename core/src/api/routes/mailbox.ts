// A user's mailbox, as the edge's /api/v1 routes need it. The user and shard were resolved from
// the signed path by the app's middleware. Reads come from the store; changes are the mailbox
// service's (which validates, commits and publishes), answered with the user's seq after them.
import { Hono } from "hono";
import { FolderRef, Id, MessagePatch, PageQuery } from "../../../../shared/api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { MailboxService } from "../../mailbox/service.ts";
import { getAccount, getAttachment, getMessage, listFolders, listMessages } from "../../store/mailbox.ts";
import { getThread } from "../../store/threads.ts";
import { answerChange } from "../change.ts";
import { parseBody, parseQuery } from "../validate.ts";

function pathId(value: string, what: string): string {
  // An id that cannot exist is simply not found (the same answer as someone else's id).
  if (!Id.safeParse(value).success) throw new ProblemError("notFound", `No ${what} ${value}.`);
  return value;
}

export function mailboxRoutes(deps: { mailbox: MailboxService }): Hono {
  const app = new Hono();

  app.get("/account", async (c) => {
    const user = c.get("user");
    return c.json(await getAccount(c.get("shard"), user));
  });

  app.get("/folders", async (c) => c.json({ folders: await listFolders(c.get("shard"), c.get("user").id) }));

  app.get("/folders/:folder/messages", async (c) => {
    const folder = c.req.param("folder");
    if (!FolderRef.safeParse(folder).success) throw new ProblemError("notFound", `No folder ${folder}.`);
    const page = parseQuery(c, PageQuery);
    return c.json(await listMessages(c.get("shard"), c.get("user").id, folder, page));
  });

  app.get("/messages/:id", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return c.json(await getMessage(c.get("shard"), c.get("user").id, id));
  });

  app.patch("/messages/:id", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const patch = parseBody(c, MessagePatch);
    return answerChange(c, await deps.mailbox.updateMessage(c.get("user"), id, patch));
  });

  // Gmail's "Report spam" and "Not spam": the move and the spam filter's lesson in one call.
  app.post("/messages/:id/report-spam", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, await deps.mailbox.reportSpam(c.get("user"), id));
  });

  app.post("/messages/:id/not-spam", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, await deps.mailbox.reportNotSpam(c.get("user"), id));
  });

  app.delete("/messages/:id", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, await deps.mailbox.deleteMessage(c.get("user"), id));
  });

  app.get("/threads/:id", async (c) => {
    const id = pathId(c.req.param("id"), "thread");
    return c.json(await getThread(c.get("shard"), c.get("user").id, id));
  });

  app.get("/messages/:id/attachments/:attachmentId", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return c.json(await getAttachment(c.get("shard"), c.get("user").id, id, c.req.param("attachmentId")));
  });

  return app;
}
