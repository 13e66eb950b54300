// What a submitted message goes through once its sender has signed in: the originator headers must be
// the user's, the day's sending quota is reserved, a Received header is added, and the outbox takes it
// (spool synced before the 250). The submission port runs it for its own users; the relay runs it in
// the user's home region for a mail app that signed in at another region's port (api/routes/relay.ts).
import { createHash } from "node:crypto";
import type { Config } from "../../config.ts";
import type { Outbox } from "../../outbox.ts";
import { LOCKED_PASSWORD_HASH } from "../../mailbox/accounts.ts";
import type { Directory, DirectoryUser } from "../../store/directory.ts";
import { QuotaExceededError, reserveSend } from "../../store/sending.ts";
import type { Shards } from "../../store/shards.ts";
import { receivedHeader } from "../inbound/data.ts";
import type { SmtpReply } from "../reply.ts";
import { originatorRefusal } from "./sender-identity.ts";

export interface SubmitDeps {
  config: Pick<Config, "hostname" | "sendDailyLimit">;
  directory: Directory;
  shards: Shards;
  outbox: Outbox;
}

export interface Submitted {
  sender: string;
  recipients: string[];
  message: Buffer;
  helo: string;
  clientAddress: string;
  secure: boolean;
  receivedAt: number;
}

export const submitReplies = {
  moving: (): SmtpReply => ({ code: 451, status: "4.2.1", text: "your mailbox is being moved; try again in a few minutes" }),
  gone: (): SmtpReply => ({ code: 550, status: "5.7.1", text: "this account no longer exists" }),
  quota: (e: QuotaExceededError): SmtpReply => ({ code: 550, status: "5.4.5", text: `daily sending limit reached; try again in ${Math.ceil(e.retryAfterSeconds / 60)} minutes` }),
};

/** The message id it was queued as, or the refusal. `owned`: the session's cache of sender-identity answers. */
export async function submitMessage(deps: SubmitDeps, signedIn: DirectoryUser, s: Submitted, owned?: Map<string, boolean>): Promise<{ messageId: string } | { refuse: SmtpReply }> {
  // The user as the directory has them now, not as they were at AUTH: a session can outlive a move to
  // another shard (its Sent copy and quota must go to the new one), and while a move copies the mailbox a
  // send would be left behind in the old copy, so it waits, as the API's writes do (503 there).
  const user = await deps.directory.userById(signedIn.id);
  if (!user || user.passwordHash === LOCKED_PASSWORD_HASH) return { refuse: submitReplies.gone() };
  if (user.movingTo) return { refuse: submitReplies.moving() };
  // Only the header section: the body (maybe 25 MB of attachments) is the pipeline thread's work.
  const refusal = await originatorRefusal(deps.directory, user, s.message, owned);
  if (refusal) return { refuse: refusal };
  deps.outbox.refuseWhileStoreDown();
  const shard = await deps.shards.need(user.shard);
  let messageId: string;
  try {
    ({ messageId } = await reserveSend(shard, user.id, { requestHash: createHash("sha256").update(s.message).digest("hex"), recipients: s.recipients.length }, deps.config.sendDailyLimit));
  } catch (err) {
    if (err instanceof QuotaExceededError) return { refuse: submitReplies.quota(err) };
    throw err;
  }
  const raw = Buffer.concat([
    receivedHeader({ helo: s.helo, clientAddress: s.clientAddress, hostname: deps.config.hostname, protocol: s.secure ? "ESMTPSA" : "ESMTPA", id: messageId, recipients: s.recipients, receivedAt: s.receivedAt }),
    s.message,
  ]);
  await deps.outbox.accept({ kind: "outbound", source: "submission", userId: user.id, shard: user.shard, sender: s.sender, messageId, recipients: s.recipients }, raw, s.receivedAt);
  return { messageId };
}
