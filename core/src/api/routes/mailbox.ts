// A user's mailbox, as the edge's /api/v1 routes need it. The user and shard were resolved from
// the signed path by the app's middleware. Changes answer with the user's seq after them.
import { Hono, type Context } from "hono";
import { FolderRef, Id, type MessagePatch } from "../../../../shared/api.ts";
import { coreApi } from "../../../../shared/internal-api.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import { folderRole, trainMessage, verdictOfMove, type TrainingDeps } from "../../spam-training.ts";
import { deleteMessage, getAccount, getMessageFolder, getAttachment, getMessage, listFolders, listMessages, updateMessage } from "../../store/mailbox.ts";
import { getThread } from "../../store/threads.ts";
import { answerChange, type PublishEvents } from "../change.ts";
import { answer, serve } from "../serve.ts";
import { parseBody, parseQuery } from "../validate.ts";

function pathId(value: string | undefined = "", what: string): string {
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

  serve(app, coreApi.account, async (c) => {
    const user = c.get("user");
    return answer(c, coreApi.account, await getAccount(c.get("shard"), user));
  });

  serve(app, coreApi.folders, async (c) => answer(c, coreApi.folders, { folders: await listFolders(c.get("shard"), c.get("user").id) }));

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
    return answerChange(c, coreApi.updateMessage, await moveAndLearn(c, id, patch), deps.publishEvents);
  });

  // Gmail's "Report spam" and "Not spam": the move and the lesson in one call. Unlike a move, the
  // lesson is given even when the message is already where it belongs (the filter junked it, and
  // the user agrees); each message still counts once.
  const learn = async (c: Context, id: string, verdict: "spam" | "ham") => {
    const userId = c.get("user").id;
    await trainMessage(deps, c.get("shard"), userId, id, verdict).catch((err: unknown) => deps.log.error("spam training failed", { err, userId, id }));
  };

  serve(app, coreApi.reportSpam, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const change = await updateMessage(c.get("shard"), c.get("user").id, id, { folderId: "junk" });
    await learn(c, id, "spam");
    return answerChange(c, coreApi.reportSpam, change, deps.publishEvents);
  });

  serve(app, coreApi.notSpam, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    const shard = c.get("shard");
    const userId = c.get("user").id;
    const folderId = await getMessageFolder(shard, userId, id);
    if (folderId === null) throw new ProblemError("notFound", `No message ${id}.`);
    // Out of Junk to the inbox; a message elsewhere stays where it is.
    const change = await updateMessage(shard, userId, id, (await folderRole(shard, userId, folderId)) === "junk" ? { folderId: "inbox" } : {});
    await learn(c, id, "ham");
    return answerChange(c, coreApi.notSpam, change, deps.publishEvents);
  });

  serve(app, coreApi.deleteMessage, async (c) => {
    const id = pathId(c.req.param("id"), "message");
    return answerChange(c, coreApi.deleteMessage, await deleteMessage(c.get("shard"), c.get("user").id, id), deps.publishEvents);
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
