// POST /api/v1/messages (send) and PUT /api/v1/drafts/{id}. A send is validated here and handed to the
// sender's core, which reserves it (daily quota, Idempotency-Key) and spools it in the same call: 202
// once the core has synced it. A retry with the same Idempotency-Key gets the same id and sends nothing
// new (the core accepts each message id once).
// Why not through the outgoing queue: the reservation needs the core while the client waits anyway, so
// a queue between them bought no availability, only a second core call and the queue's own work (and
// with `npm start`, whose emulated queue keeps messages in memory, a moment in which an accepted send
// could be lost).
// With `holdSeconds` the send is held ("undo send", as Fastmail does it: by the service, so closing the
// tab neither loses nor sends it early): reserved at the core, then kept by the user's hub with its
// message (a large one by reference to R2) in its storage, 202 only once it is stored; the hub's
// alarm hands it to the core at sendAt unless DELETE /api/v1/outbox/{id} cancelled it first
// (routes/outbox.ts, hub/held-sends.ts, hub/held-delivery.ts). Not on a queue: `npm start`'s emulated
// queues keep messages in memory, and a restart would lose every held send; the hub's storage persists
// there as on Cloudflare, and the call to it was made for the hold anyway.
import { Hono, type Context } from "hono";
import { DraftRequest, SendRequest, type SendAccepted } from "../../../shared/api.ts";
import { normalizeAddress } from "../../../shared/address.ts";
import { sha256Hex, utf8 } from "../../../shared/encoding.ts";
import { Id, AttachmentRef } from "../../../shared/api.ts";
import { coreApi, type OutboundSubmission, type ResolvedAttachment } from "../../../shared/internal-api.ts";
import { uuidv7Time } from "../../../shared/ids.ts";
import { ProblemError } from "../../../shared/problem.ts";
import type { z } from "zod";
import { readAttachmentId } from "../attachment-token.ts";
import type { HeldBody, HeldSend } from "../hub-types.ts";
import { INLINE_LIMIT_BYTES, outboxKey } from "../queue-messages.ts";
import { jsonBody } from "../validate.ts";
import { changeThroughCore } from "./core-change.ts";

async function resolveAttachments(c: Context, refs: z.infer<typeof AttachmentRef>[]): Promise<ResolvedAttachment[]> {
  const { tokenSecret } = c.get("config");
  return Promise.all(
    refs.map(async (ref, i) => {
      const a = await readAttachmentId(tokenSecret, c.get("user").sub, ref.id);
      if (!a) {
        throw new ProblemError("validation", "An attachment id is not one that POST /api/v1/attachments gave you.", { errors: [{ field: `attachments.${i}.id`, message: "unknown attachment" }] });
      }
      return { ...a, filename: ref.filename ?? a.filename, contentType: ref.contentType ?? a.contentType };
    }),
  );
}

function checkSize(c: Context, m: { text?: string; html?: string }, attachments: ResolvedAttachment[]): void {
  const max = c.get("config").maxMessageBytes;
  const size = utf8(m.text ?? "").length + utf8(m.html ?? "").length + attachments.reduce((n, a) => n + a.size, 0);
  if (size > max) throw new ProblemError("payloadTooLarge", `The message would have ${size} bytes; at most ${max} can be sent.`);
}

function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ProblemError("validation", "Idempotency-Key must be 1–255 visible ASCII characters.", { errors: [{ field: "Idempotency-Key", message: "not a usable key" }] });
  }
  return key;
}

/** Stores a held send, with its message, in the user's hub; a retried request (same Idempotency-Key)
 * gets the first one's. */
async function hold(c: Context, messageId: string, holdSeconds: number, recipients: number, body: HeldBody): Promise<HeldSend> {
  const user = c.get("user");
  const held = await c.get("platform").hub(user.sub, user.rgn).holdSend(user.sub, user.rgn, messageId, Date.now() + holdSeconds * 1000, recipients, body);
  if (held.state === "cancelled") {
    // The first request was cancelled, which removed its body: this retry's copy is referred to by nothing.
    if (body.bodyKey) await c.get("blobs").delete(body.bodyKey);
    throw new ProblemError("conflict", `The send ${messageId} was cancelled; to send it after all, send it again with a new Idempotency-Key.`);
  }
  return held;
}

export const sendRoutes = new Hono()
  .post("/messages", async (c) => {
    const message = await jsonBody(c, SendRequest);
    const key = idempotencyKey(c);
    const attachments = await resolveAttachments(c, message.attachments);
    checkSize(c, message, attachments);
    const user = c.get("user");
    const requestHash = await sha256Hex(JSON.stringify(message));
    const holdSeconds = message.holdSeconds ?? 0;
    if (holdSeconds === 0) {
      const sent = await c.get("core").read(user.rgn, coreApi.send, { params: { userId: user.sub }, body: { idempotencyKey: key, requestHash, message, attachments } });
      const accepted: SendAccepted = { id: sent.messageId, status: "queued", duplicate: sent.duplicate };
      return c.json(accepted, 202, { location: `/api/v1/messages/${sent.messageId}` });
    }
    const recipients = new Set([...message.to, ...message.cc, ...message.bcc].map((r) => normalizeAddress(typeof r === "string" ? r : r.address)));
    const reservation = await c.get("core").read(user.rgn, coreApi.reserveSend, {
      params: { userId: user.sub },
      body: { idempotencyKey: key, requestHash, recipients: recipients.size, from: message.from?.address },
    });
    const submission: OutboundSubmission = { messageId: reservation.messageId, createdAt: uuidv7Time(reservation.messageId), message, attachments };
    const json = JSON.stringify(submission);
    let body: HeldBody = { submission: json };
    if (utf8(json).length > INLINE_LIMIT_BYTES) {
      // Stored before the hub refers to it (the hub's rows have a size limit; R2 has none that matters).
      // A retry writes the same object again; the hub keeps the first request's record either way.
      body = { bodyKey: outboxKey(user.sub, reservation.messageId) };
      await c.get("blobs").putText(body.bodyKey!, json, "application/json");
    }
    // A duplicate reserved nothing new: the first request's record (made with its count) stands, and
    // a retry of a held send waits out what is left of the first one's hold.
    const held = await hold(c, reservation.messageId, holdSeconds, recipients.size, body);
    const accepted: SendAccepted =
      held.state === "held"
        ? { id: reservation.messageId, status: "held", sendAt: new Date(held.sendAt).toISOString(), duplicate: reservation.duplicate }
        : { id: reservation.messageId, status: "queued", duplicate: reservation.duplicate };
    return c.json(accepted, 202, { location: `/api/v1/messages/${reservation.messageId}` });
  })
  .put("/drafts/:id", async (c) => {
    const id = c.req.param("id");
    if (!Id.safeParse(id).success) {
      throw new ProblemError("validation", "A draft id is a UUIDv7 your client makes (time-ordered).", { errors: [{ field: "id", message: "must be a UUIDv7" }] });
    }
    const draft = await jsonBody(c, DraftRequest);
    const attachments = await resolveAttachments(c, draft.attachments);
    checkSize(c, draft, attachments);
    const user = c.get("user");
    return c.json(await changeThroughCore(c, coreApi.saveDraft, { params: { userId: user.sub, id }, body: { draft, attachments } }));
  });
