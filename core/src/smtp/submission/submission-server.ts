// SMTP submission (RFC 6409) for mail apps: AUTH PLAIN/LOGIN, only over TLS except from loopback,
// checked and rate-limited by the core's one password check (auth/password-login.ts); the envelope
// sender and every originator header must be the user's (sender-identity.ts). Accepted mail goes
// through the same outbox as the API: daily quota, spool (synced before 250), Sent copy, delivery.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerAuthenticationResponse, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { normalizeAddress } from "../../../../shared/address.ts";
import { limits } from "../../../../shared/limits.ts";
import type { Config } from "../../config.ts";
import type { PasswordLogin } from "../../auth/password-login.ts";
import type { Logger } from "../../log.ts";
import type { Outbox } from "../../outbox.ts";
import type { Directory, DirectoryUser } from "../../store/directory.ts";
import { QuotaExceededError, reserveSend } from "../../store/sending.ts";
import { isStoreUnavailable } from "../../store/unavailable.ts";
import type { Shards } from "../../store/shards.ts";
import { receiveMessage, receivedHeader } from "../inbound/data.ts";
import { replies, smtpError } from "../reply.ts";
import { originatorRefusal, ownsAddress } from "./sender-identity.ts";

export interface SubmissionDeps {
  config: Pick<Config, "hostname" | "maxMessageBytes" | "smtp" | "sendDailyLimit">;
  directory: Directory;
  shards: Shards;
  outbox: Outbox;
  logins: PasswordLogin;
  log: Logger;
}

export function isLoopback(address: string): boolean {
  const a = address.replace(/^::ffff:/, "");
  return a === "::1" || (isIPv4(a) && a.startsWith("127."));
}

const submissionReplies = {
  encryptionRequired: () => ({ code: 538, status: "5.7.11", text: "encryption required: use STARTTLS before AUTH" }),
  badCredentials: () => ({ code: 535, status: "5.7.8", text: "authentication failed: wrong address or password" }),
  // RFC 4954's temporary authentication failure: a client may try again, after the wait.
  throttled: (seconds: number) => ({ code: 454, status: "4.7.0", text: `too many failed logins: try again in ${seconds} second${seconds === 1 ? "" : "s"}` }),
  notYourAddress: (address: string) => ({ code: 553, status: "5.7.1", text: `<${address}>: sender address is not one of yours` }),
  quota: (e: QuotaExceededError) => ({ code: 550, status: "5.4.5", text: `daily sending limit reached; try again in ${Math.ceil(e.retryAfterSeconds / 60)} minutes` }),
} as const;

export function createSubmissionServer(deps: SubmissionDeps): SMTPServer {
  const { config, directory, log } = deps;
  const tls = config.smtp.tls;
  const users = new WeakMap<SMTPServerSession, DirectoryUser>();
  /** Per session: the addresses looked up as the user's or not (sender-identity.ts). */
  const owned = new WeakMap<SMTPServerSession, Map<string, boolean>>();
  const ownedIn = (session: SMTPServerSession) => {
    let known = owned.get(session);
    if (!known) owned.set(session, (known = new Map()));
    return known;
  };

  return new SMTPServer({
    name: config.hostname,
    banner: "edgemail submission",
    size: config.maxMessageBytes,
    rejectOversized: true,
    maxRecipients: limits.maxRecipients,
    authMethods: ["PLAIN", "LOGIN"],
    // AUTH is offered before STARTTLS so that loopback clients can use it; onAuth refuses it over
    // plaintext from anywhere else.
    allowInsecureAuth: true,
    hideSTARTTLS: !tls,
    hideENHANCEDSTATUSCODES: false,
    ...(tls ? { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } : {}),
    // Mail apps that sign in are no early talkers to catch: greet at once.
    earlyTalkerDelay: 0,
    // The replies to a mail app's pipelined MAIL, RCPT and DATA in one packet (../reply.ts).
    coalesceReplies: true,
    disableReverseLookup: true,
    logger: false,

    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void) {
      if (!session.secure && !isLoopback(session.remoteAddress)) return callback(smtpError(submissionReplies.encryptionRequired()));
      deps.logins.attempt({ address: auth.username ?? "", password: auth.password ?? "", ip: session.remoteAddress, protocol: "submission" }).then(
        (outcome) => {
          if (outcome.kind === "throttled") return callback(smtpError(submissionReplies.throttled(outcome.retryAfterSeconds)));
          if (outcome.kind === "wrong") return callback(smtpError(submissionReplies.badCredentials()));
          users.set(session, outcome.user);
          owned.delete(session);
          callback(null, { user: outcome.user.id });
        },
        (err: unknown) => {
          log.error("submission: authentication failed unexpectedly", { err });
          callback(smtpError(replies.localError()));
        },
      );
    },

    onMailFrom(address, session, callback) {
      const user = users.get(session);
      if (!user) return callback(smtpError({ code: 530, status: "5.7.0", text: "authentication required" }));
      ownsAddress(directory, user, address.address, ownedIn(session)).then(
        (own) => callback(own ? undefined : smtpError(submissionReplies.notYourAddress(address.address))),
        () => callback(smtpError(replies.localError())),
      );
    },

    onRcptTo(address, _session, callback) {
      // Authenticated: any well-formed address may be a recipient (this is a relay for its users).
      callback(normalizeAddress(address.address) ? undefined : smtpError(replies.badAddress(address.address)));
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const receivedAt = Date.now();
      receiveMessage(stream, config.maxMessageBytes)
        .then(async (received) => {
          if ("refuse" in received) return callback(smtpError(received.refuse));
          const { message } = received;
          const user = users.get(session)!;
          const sender = normalizeAddress((session.envelope.mailFrom && session.envelope.mailFrom.address) || "")!;
          // Only the header section: the body (maybe 25 MB of attachments) is the pipeline thread's work.
          const refusal = await originatorRefusal(directory, user, message, ownedIn(session));
          if (refusal) return callback(smtpError(refusal));
          const recipients = [...new Set(session.envelope.rcptTo.map((r) => normalizeAddress(r.address)!))];
          deps.outbox.refuseWhileStoreDown();
          const shard = deps.shards.get(user.shard);
          let messageId: string;
          try {
            ({ messageId } = await reserveSend(shard, user.id, { requestHash: createHash("sha256").update(message).digest("hex"), recipients: recipients.length }, config.sendDailyLimit));
          } catch (err) {
            if (err instanceof QuotaExceededError) return callback(smtpError(submissionReplies.quota(err)));
            throw err;
          }
          const raw = Buffer.concat([
            receivedHeader({ helo: session.hostNameAppearsAs || "", clientAddress: session.remoteAddress, hostname: config.hostname, protocol: session.secure ? "ESMTPSA" : "ESMTPA", id: messageId, recipients, receivedAt }),
            message,
          ]);
          await deps.outbox.accept({ kind: "outbound", source: "submission", userId: user.id, shard: user.shard, sender, messageId, recipients }, raw, receivedAt);
          callback(null, `2.0.0 Ok: queued as ${messageId}`);
        })
        .catch((err: unknown) => {
          if (isStoreUnavailable(err)) log.warn("submission: deferred, a store is unavailable", { err: String(err), session: session.id });
          else log.error("submission: could not accept message", { err, session: session.id });
          callback(smtpError(replies.localError()));
        });
    },
  });
}
