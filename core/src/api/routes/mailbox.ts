// A user's mailbox, as the edge's /api/v1 routes need it. The user and shard were resolved from
// the signed path by the app's middleware. Reads come from the store; changes are the mailbox
// service's (which validates, commits and publishes), answered with the user's seq after them.
import { Hono } from "hono";
import { FolderRef, Id } from "../../../../shared/api.ts";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { MailboxService } from "../../mailbox/service.ts";
import { getAccount, getAttachment, getMessage, listFolders, listKeywords, listMessages } from "../../store/mailbox.ts";
import { getThread } from "../../store/threads.ts";
import { answerChange } from "../change.ts";
import { answer, serve } from "../serve.ts";
import { parseBody, parseQuery } from "../validate.ts";

function pathId(value: string | undefined = "", what: string): string {
  // An id that cannot exist is simply not found (the same answer as someone else's id).
  if (!Id.safeParse(value).success) throw new ProblemError("notFound", `No ${what} ${value}.`);
  return value;
}

export function mailboxRoutes(deps: { mailbox: MailboxService }): Hono {
  const app = new Hono();

  serve(app, coreApi.account, async (c) => {
    const user = c.get("user");
    return answer(c, coreApi.account, await getAccount(c.get("shard"), user));
  });

  serve(app, coreApi.folders, async (c) => answer(c, coreApi.folders, { folders: await listFolders(c.get("shard"), c.get("user").id) }));

  serve(app, coreApi.keywords, async (c) => answer(c, coreApi.keywords, await listKeywords(c.get("shard"), c.get("user").id)));

  serve(app, coreApi.folderMessages, async (c) => {
    const folder = c.req.param("folder") ?? "";
    if (!FolderRef.safeParse(folder).success) throw new ProblemError("notFound", `No folder ${folder}.`);
    const page = parseQuery(c, coreApi.folderMessages);
    return answer(c, coreApi.folderMessages, await listMessages(c.get("shard"), c.get("user").id, folder, page));
  });

  serve(app, coreApi.message, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answer(c, coreApi.message, await getMessage(c.get("shard"), c.get("user").id, id));
  });

  serve(app, coreApi.updateMessage, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const patch = parseBody(c, coreApi.updateMessage);
    return answerChange(c, coreApi.updateMessage, await deps.mailbox.updateMessage(c.get("user"), id, patch));
  });

  serve(app, coreApi.updateMessages, async (c) => {
    const { ids, patch } = parseBody(c, coreApi.updateMessages);
    return answerChange(c, coreApi.updateMessages, await deps.mailbox.updateMessages(c.get("user"), ids, patch));
  });

  // Gmail's "Report spam" and "Not spam": the move and the spam filter's lesson in one call.
  serve(app, coreApi.reportSpam, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, coreApi.reportSpam, await deps.mailbox.reportSpam(c.get("user"), id));
  });

  serve(app, coreApi.notSpam, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, coreApi.notSpam, await deps.mailbox.reportNotSpam(c.get("user"), id));
  });

  serve(app, coreApi.deleteMessage, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, coreApi.deleteMessage, await deps.mailbox.deleteMessage(c.get("user"), id));
  });

  serve(app, coreApi.deleteMessages, async (c) => {
    const { ids } = parseBody(c, coreApi.deleteMessages);
    return answerChange(c, coreApi.deleteMessages, await deps.mailbox.deleteMessages(c.get("user"), ids));
  });

  serve(app, coreApi.thread, async (c) => {
    const id = pathId(c.req.param("id"), "thread");
    return answer(c, coreApi.thread, await getThread(c.get("shard"), c.get("user").id, id));
  });

  serve(app, coreApi.attachment, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answer(c, coreApi.attachment, await getAttachment(c.get("shard"), c.get("user").id, id, c.req.param("attachmentId") ?? ""));
  });

  return app;
}
