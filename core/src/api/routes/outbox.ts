// Sending, for the edge. A send that is not held is reserved (quota + Idempotency-Key) and spooled in
// one call while the client waits. A held send ("undo send") is reserved while the client waits, then
// accepted when the outgoing queue's consumer brings it after the hold. Drafts are saved here too. A
// send changes the mailbox later (its Sent copy is filed by the pipeline), so its answers carry the
// seq as it is.
import { Hono } from "hono";
import { Id } from "../../../../shared/api.ts";
import { uuidv7Time } from "../../../../shared/ids.ts";
import { coreApi, type OutboundSubmission } from "../../../../shared/internal-api.ts";
import { normalizeAddress } from "../../../../shared/address.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { MailboxService } from "../../mailbox/service.ts";
import type { Outbox } from "../../outbox.ts";
import type { BlobStore } from "../../store/blobs.ts";
import type { Directory, DirectoryUser } from "../../store/directory.ts";
import { releaseSend, reserveSend } from "../../store/sending.ts";
import { answerChange } from "../change.ts";
import { answer, serve } from "../serve.ts";
import { parseBody } from "../validate.ts";

export interface OutboxDeps {
  directory: Directory;
  outbox: Outbox;
  blobs: BlobStore;
  sendDailyLimit: number;
  mailbox: MailboxService;
}

/** The sender address a request may use: the user's own, or one of their aliases. */
async function senderAddress(deps: OutboxDeps, user: DirectoryUser, requested: string | undefined): Promise<string> {
  if (requested === undefined) return user.address;
  const address = normalizeAddress(requested);
  if (address && (address === user.address || (await deps.directory.aliasesOf(user.id)).includes(address))) return address;
  throw new ProblemError("validation", `${requested} is not one of your addresses.`, { errors: [{ field: "from.address", message: "not one of your addresses" }] });
}

/** Everyone a message goes to, as written (the Set of them is what the quota counts). */
function recipientsOf(m: OutboundSubmission["message"]): string[] {
  return [...m.to, ...m.cc, ...m.bcc].map((r) => normalizeAddress(typeof r === "string" ? r : r.address)!);
}

/** Into the spool (synced) and on to the pipeline; "duplicate" when this id was taken before. `newId`:
 * the id was minted a moment ago, so no earlier copy can exist to look for. */
function accept(deps: OutboxDeps, user: DirectoryUser, sender: string, submission: OutboundSubmission, newId = false): Promise<"accepted" | "duplicate"> {
  const m = submission.message;
  return deps.outbox.accept(
    { kind: "outbound", source: "api", userId: user.id, shard: user.shard, sender, messageId: submission.messageId, recipients: recipientsOf(m), draftId: m.draftId },
    Buffer.from(JSON.stringify(submission), "utf8"),
    submission.createdAt,
    { newId },
  );
}

export function outboxRoutes(deps: OutboxDeps): Hono {
  const app = new Hono();

  serve(app, coreApi.send, async (c) => {
    const request = parseBody(c, coreApi.send);
    const user = c.get("user");
    const m = request.message;
    const sender = await senderAddress(deps, user, m.from?.address);
    const recipients = new Set(recipientsOf(m)).size;
    deps.outbox.refuseWhileStoreDown();
    const reservation = await reserveSend(c.get("shard"), user.id, { idempotencyKey: request.idempotencyKey, requestHash: request.requestHash, recipients }, deps.sendDailyLimit);
    // Spooled again for a repeated key too: the first request may have died between its reservation
    // and the spool, and the spool takes each message id once.
    const submission: OutboundSubmission = { messageId: reservation.messageId, createdAt: uuidv7Time(reservation.messageId), message: m, attachments: request.attachments };
    await accept(deps, user, sender, submission, !reservation.duplicate);
    return answer(c, coreApi.send, reservation, 202);
  });

  serve(app, coreApi.reserveSend, async (c) => {
    const request = parseBody(c, coreApi.reserveSend);
    await senderAddress(deps, c.get("user"), request.from);
    // Not a mailbox change (the Sent copy is filed later, with its own event): no seq header.
    return answer(c, coreApi.reserveSend, await reserveSend(c.get("shard"), c.get("user").id, request, deps.sendDailyLimit));
  });

  serve(app, coreApi.releaseSend, async (c) => {
    const id = c.req.param("id") ?? "";
    if (!Id.safeParse(id).success) throw new ProblemError("validation", "A message id is a UUIDv7.", { errors: [{ field: "id", message: "must be a UUIDv7" }] });
    const { recipients } = parseBody(c, coreApi.releaseSend);
    const counted = await releaseSend(c.get("shard"), c.get("user").id, id, recipients);
    return answer(c, coreApi.releaseSend, { released: counted > 0 ? recipients : 0 });
  });

  serve(app, coreApi.submit, async (c) => {
    const submission = parseBody(c, coreApi.submit);
    const user = c.get("user");
    const sender = await senderAddress(deps, user, submission.message.from?.address);
    const result = await accept(deps, user, sender, submission);
    return answer(c, coreApi.submit, { id: submission.messageId, status: result }, result === "accepted" ? 202 : 200);
  });

  serve(app, coreApi.saveDraft, async (c) => {
    const id = c.req.param("id") ?? "";
    if (!Id.safeParse(id).success) {
      throw new ProblemError("validation", "A draft id is a UUIDv7 the client makes.", { errors: [{ field: "id", message: "must be a UUIDv7" }] });
    }
    const body = parseBody(c, coreApi.saveDraft);
    const sender = await senderAddress(deps, c.get("user"), body.draft.from?.address);
    return answerChange(c, coreApi.saveDraft, await deps.mailbox.saveDraft(c.get("user"), sender, id, body.draft, body.attachments));
  });

  return app;
}
