// The home region's side of the MX relay (smtp/inbound/region-relay.ts): another region's MX asks
// about a recipient homed here at RCPT, and hands the message over at DATA. The answer to a delivery
// comes only after this core's spool has synced the message, so the other MX's 250 means the mail is
// held here durably. Signed calls only (app.ts checks every /internal request): the regions' peers
// share the secret, nobody else can hand mail in this way. Recipients are checked here again, without
// looking further (one hop): an address not homed here is refused rather than passed on.
import { Hono } from "hono";
import { ProblemError } from "../../../../shared/problem.ts";
import type { Logger } from "../../log.ts";
import type { RcptContext } from "../../smtp/inbound/rcpt-verdict.ts";
import type { RecipientCheck } from "../../smtp/inbound/rcpt.ts";
import { decodeRelayBody, RELAY_PATHS, RelayLoginRequest, RelayRcptRequest, RelaySubmission, type RelayLoginAnswer, type RelayRcptAnswer } from "../../smtp/inbound/relay-envelope.ts";
import type { PasswordLogin } from "../../auth/password-login.ts";
import { submitMessage, type SubmitDeps } from "../../smtp/submission/submit.ts";
import { ownsAddress } from "../../smtp/submission/sender-identity.ts";
import { LOCKED_PASSWORD_HASH } from "../../mailbox/accounts.ts";
import type { Directory } from "../../store/directory.ts";
import type { Shards } from "../../store/shards.ts";
import type { InboundRecipient, SpoolMeta } from "../../spool/entry.ts";
import type { MailHandoff } from "../../spool/handoff.ts";
import type { Spool } from "../../spool/spool.ts";
import { StoreUnavailableError } from "../../store/unavailable.ts";
import { parseBody } from "../validate.ts";

export interface RelayReceiverDeps {
  /** The MX's recipient check, without the relay to other regions. */
  checkRecipient: (address: string, context: RcptContext) => Promise<RecipientCheck>;
  directory: Pick<Directory, "probe">;
  shards: Pick<Shards, "probe">;
  spool: Spool<SpoolMeta>;
  pipeline: Pick<MailHandoff, "enqueue" | "blobStoreDown">;
  log: Logger;
  /** Mail apps of this region's users signed in at another region's submission port. */
  submission: SubmitDeps & { logins: PasswordLogin };
}

export function relayRoutes(deps: RelayReceiverDeps): Hono {
  const app = new Hono();

  app.post(RELAY_PATHS.rcpt, async (c) => {
    const request = parseBody(c, { body: RelayRcptRequest });
    if (deps.pipeline.blobStoreDown) throw new StoreUnavailableError("the blob store");
    const verdict = await deps.checkRecipient(request.address, { mailFrom: request.mailFrom, clientAddress: request.clientAddress, declaredSize: request.declaredSize });
    const answer: RelayRcptAnswer = verdict.accept ? { accept: true } : { accept: false, reply: verdict.reply };
    return c.json(answer);
  });

  app.post(RELAY_PATHS.deliver, async (c) => {
    const decoded = decodeRelayBody(c.get("rawBody"));
    if (!decoded) throw new ProblemError("validation", "The body is not a relayed message (an envelope line, then the message).", { errors: [{ field: "(body)", message: "not a relayed message" }] });
    const { envelope, raw } = decoded;
    const context = { mailFrom: envelope.mailFrom, clientAddress: envelope.client.address, declaredSize: raw.length };
    const recipients: InboundRecipient[] = [];
    for (const address of envelope.recipients) {
      const verdict = await deps.checkRecipient(address, context);
      // Checked at RCPT a moment ago; refused now (removed, full, moved): the sending MX answers 451
      // and its client's retry meets this refusal at RCPT, where it can be final.
      if (!verdict.accept || "relay" in verdict) {
        throw new ProblemError("conflict", `The recipient ${address} is no longer taken here.`, { errors: [{ field: "recipients", message: verdict.accept ? "not homed here" : `${verdict.reply.code} ${verdict.reply.status} ${verdict.reply.text}` }] });
      }
      recipients.push(verdict.recipient);
    }
    await Promise.all([deps.shards.probe(recipients.flatMap((r) => ("shard" in r ? [r.shard] : []))), deps.directory.probe()]);
    if (deps.pipeline.blobStoreDown) throw new StoreUnavailableError("the blob store");
    const entry = {
      id: envelope.id,
      receivedAt: envelope.receivedAt,
      raw,
      meta: { kind: "inbound" as const, mailFrom: envelope.mailFrom, recipients, client: envelope.client, auth: envelope.auth, virusScan: envelope.virusScan },
    };
    await deps.spool.append(entry);
    deps.pipeline.enqueue(entry);
    deps.log.info("relay: took a message from another region", { id: envelope.id, recipients: recipients.length });
    return c.json({ id: envelope.id });
  });

  app.post(RELAY_PATHS.login, async (c) => {
    const { address, password, ip } = parseBody(c, { body: RelayLoginRequest });
    const outcome = await deps.submission.logins.attempt({ address, password, ip, protocol: "submission" });
    const answer: RelayLoginAnswer = outcome.kind === "ok" ? { kind: "ok", user: { id: outcome.user.id, address: outcome.user.address } } : outcome.kind === "throttled" ? { kind: "throttled", retryAfterSeconds: outcome.retryAfterSeconds } : { kind: "wrong" };
    return c.json(answer);
  });

  app.post(RELAY_PATHS.submit, async (c) => {
    const decoded = decodeRelayBody(c.get("rawBody"), RelaySubmission);
    if (!decoded) throw new ProblemError("validation", "The body is not a relayed submission.", { errors: [{ field: "(body)", message: "not a relayed submission" }] });
    const { envelope, raw } = decoded;
    const user = await deps.submission.directory.userById(envelope.userId);
    if (!user || user.passwordHash === LOCKED_PASSWORD_HASH) throw new ProblemError("notFound", "No such user.");
    const owned = new Map<string, boolean>();
    if (!(await ownsAddress(deps.submission.directory, user, envelope.sender, owned))) {
      return c.json({ refuse: { code: 553, status: "5.7.1", text: `<${envelope.sender}>: sender address is not one of yours` } });
    }
    return c.json(await submitMessage(deps.submission, user, { ...envelope, message: raw }, owned));
  });

  return app;
}
