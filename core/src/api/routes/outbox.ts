// Sending, for the edge: reserve (quota + Idempotency-Key) while the client waits, then accept the
// message when the outgoing queue's consumer brings it. Drafts are saved here too. A send changes
// the mailbox later (its Sent copy is filed by the pipeline), so its answers carry the seq as it is.
import { Hono } from "hono";
import { Id } from "../../../../shared/api.ts";
import { coreApi } from "../../../../shared/internal-api.ts";
import { normalizeAddress } from "../../../../shared/address.ts";
import { ProblemError } from "../../../../shared/problem.ts";
import type { MailboxService } from "../../mailbox/service.ts";
import type { Outbox } from "../../outbox.ts";
import type { BlobStore } from "../../store/blobs.ts";
import type { Directory, DirectoryUser } from "../../store/directory.ts";
import { reserveSend } from "../../store/sending.ts";
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

export function outboxRoutes(deps: OutboxDeps): Hono {
  const app = new Hono();

  serve(app, coreApi.reserveSend, async (c) => {
    const request = parseBody(c, coreApi.reserveSend);
    await senderAddress(deps, c.get("user"), request.from);
    // Not a mailbox change (the Sent copy is filed later, with its own event): no seq header.
    return answer(c, coreApi.reserveSend, await reserveSend(c.get("shard"), c.get("user").id, request, deps.sendDailyLimit));
  });

  serve(app, coreApi.submit, async (c) => {
    const submission = parseBody(c, coreApi.submit);
    const user = c.get("user");
    const sender = await senderAddress(deps, user, submission.message.from?.address);
    const m = submission.message;
    const recipients = [...m.to, ...m.cc, ...m.bcc].map((r) => normalizeAddress(typeof r === "string" ? r : r.address)!);
    const result = await deps.outbox.accept(
      { kind: "outbound", source: "api", userId: user.id, shard: user.shard, sender, messageId: submission.messageId, recipients, draftId: m.draftId },
      Buffer.from(JSON.stringify(submission), "utf8"),
      submission.createdAt,
    );
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
