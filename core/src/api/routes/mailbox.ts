// A user's mailbox, as the edge's /api/v1 routes need it. The user and shard were resolved from
// the signed path by the app's middleware. Changes answer with the user's seq after them.
import { Hono, type Context } from "hono";
import { FolderRef, Id, MessagePatch, PageQuery } from "../../../../shared/api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { folderRole, trainMessage, verdictOfMove, type TrainingDeps } from "../../spam-training.ts";
import { deleteMessage, getAccount, getMessageFolder, getAttachment, getMessage, listFolders, listMessages, updateMessage } from "../../store/mailbox.ts";
import { getThread } from "../../store/threads.ts";
import { answerChange, type PublishEvents } from "../change.ts";
import { parseBody, parseQuery } from "../validate.ts";

function pathId(value: string, what: string): string {
  // An id that cannot exist is simply not found (the same answer as someone else's id).
  if (!Id.safeParse(value).success) throw new ProblemError("notFound", `No ${what} ${value}.`);
  return value;
}

export function mailboxRoutes(deps: { publishEvents: PublishEvents } & TrainingDeps): Hono {
  /** A move into or out of Junk teaches the spam filter, after the move itself committed; should
   * learning fail, the move stands and the failure is logged. */
  const moveAndLearn = async (c: Context, id: string, patch: MessagePatch) => {
    const shard = c.get("shard");
    const userId = c.get("user").id;
    const before = patch.folderId !== undefined ? await getMessageFolder(shard, userId, id) : null;
    const change = await updateMessage(shard, userId, id, patch);
    if (before !== null && change.value.folderId !== before) {
      const verdict = verdictOfMove(await folderRole(shard, userId, before), await folderRole(shard, userId, change.value.folderId));
      if (verdict) await trainMessage(deps, shard, userId, id, verdict).catch((err: unknown) => deps.log.error("spam training failed", { err, userId, id }));
    }
    return change;
  };

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
    return answerChange(c, await moveAndLearn(c, id, patch), deps.publishEvents);
  });

  // Gmail's "Report spam" and "Not spam": the move and the lesson in one call. Unlike a move, the
  // lesson is given even when the message is already where it belongs (the filter junked it, and
  // the user agrees); each message still counts once.
  const learn = async (c: Context, id: string, verdict: "spam" | "ham") => {
    const userId = c.get("user").id;
    await trainMessage(deps, c.get("shard"), userId, id, verdict).catch((err: unknown) => deps.log.error("spam training failed", { err, userId, id }));
  };

  app.post("/messages/:id/report-spam", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const change = await updateMessage(c.get("shard"), c.get("user").id, id, { folderId: "junk" });
    await learn(c, id, "spam");
    return answerChange(c, change, deps.publishEvents);
  });

  app.post("/messages/:id/not-spam", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const shard = c.get("shard");
    const userId = c.get("user").id;
    const folderId = await getMessageFolder(shard, userId, id);
    if (folderId === null) throw new ProblemError("notFound", `No message ${id}.`);
    // Out of Junk to the inbox; a message elsewhere stays where it is.
    const change = await updateMessage(shard, userId, id, (await folderRole(shard, userId, folderId)) === "junk" ? { folderId: "inbox" } : {});
    await learn(c, id, "ham");
    return answerChange(c, change, deps.publishEvents);
  });

  app.delete("/messages/:id", async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, await deleteMessage(c.get("shard"), c.get("user").id, id), deps.publishEvents);
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
