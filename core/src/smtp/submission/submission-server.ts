// SMTP submission (RFC 6409) for mail apps: AUTH PLAIN/LOGIN, only over TLS except from loopback,
// checked and rate-limited by the core's one password check (auth/password-login.ts); the envelope
// sender and every originator header must be the user's (sender-identity.ts). Accepted mail goes
// through the same outbox as the API: daily quota, spool (synced before 250), Sent copy, delivery.
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
import { isStoreUnavailable } from "../../store/unavailable.ts";
import type { Shards } from "../../store/shards.ts";
import { receiveMessage } from "../inbound/data.ts";
import { RelayFailed, type RegionRelay } from "../inbound/region-relay.ts";
import type { GlobalDirectory } from "../../store/global-directory.ts";
import { submitMessage } from "./submit.ts";
import { replies, smtpError } from "../reply.ts";
import { ownsAddress } from "./sender-identity.ts";

export interface SubmissionDeps {
  config: Pick<Config, "hostname" | "maxMessageBytes" | "smtp" | "sendDailyLimit">;
  directory: Directory;
  shards: Shards;
  outbox: Outbox;
  logins: PasswordLogin;
  log: Logger;
  /** With several regions: a user homed in another signs in and submits there, through this port
   * (Gmail's and Fastmail's way: any of their hosts takes a user's mail, and it leaves from home). */
  regions?: { region: string; global: Pick<GlobalDirectory, "elsewhere">; relay: Pick<RegionRelay, "submissionLogin" | "submit"> } | null;
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
} as const;

export function createSubmissionServer(deps: SubmissionDeps): SMTPServer {
  const { config, directory, log } = deps;
  const tls = config.smtp.tls;
  const users = new WeakMap<SMTPServerSession, DirectoryUser>();
  /** Sessions signed in as a user homed in another region. */
  const remote = new WeakMap<SMTPServerSession, { region: string; userId: string }>();
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
      const credentials = { address: auth.username ?? "", password: auth.password ?? "", ip: session.remoteAddress };
      const address = normalizeAddress(credentials.address);
      const regions = deps.regions;
      (async () => {
        const home = regions && address ? await regions.global.elsewhere([address], regions.region) : null;
        if (!home) return { home: null, outcome: await deps.logins.attempt({ ...credentials, protocol: "submission" }) };
        return { home, outcome: await regions!.relay.submissionLogin(home, credentials) };
      })().then(
        ({ home, outcome }) => {
          if (outcome.kind === "throttled") return callback(smtpError(submissionReplies.throttled(outcome.retryAfterSeconds)));
          if (outcome.kind === "wrong") return callback(smtpError(submissionReplies.badCredentials()));
          if (home) {
            remote.set(session, { region: home, userId: outcome.user.id });
            users.delete(session);
            return callback(null, { user: outcome.user.id });
          }
          remote.delete(session);
          users.set(session, outcome.user as DirectoryUser);
          owned.delete(session);
          callback(null, { user: outcome.user.id });
        },
        (err: unknown) => {
          if (err instanceof RelayFailed) return callback(smtpError(err.reply));
          log.error("submission: authentication failed unexpectedly", { err });
          callback(smtpError(replies.localError()));
        },
      );
    },

    onMailFrom(address, session, callback) {
      // The home region checks the sender of a user homed there, at DATA.
      if (remote.has(session)) return callback();
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
          const sender = normalizeAddress((session.envelope.mailFrom && session.envelope.mailFrom.address) || "")!;
          const recipients = [...new Set(session.envelope.rcptTo.map((r) => normalizeAddress(r.address)!))];
          const submitted = { sender, recipients, message, helo: session.hostNameAppearsAs || "", clientAddress: session.remoteAddress, secure: Boolean(session.secure), receivedAt };
          const elsewhere = remote.get(session);
          // Signed in at this port, homed in another region: the home region takes it, as its own port would.
          const outcome = elsewhere ? await deps.regions!.relay.submit(elsewhere.region, elsewhere.userId, submitted) : await submitMessage(deps, users.get(session)!, submitted, ownedIn(session));
          if ("refuse" in outcome) return callback(smtpError(outcome.refuse));
          callback(null, `2.0.0 Ok: queued as ${outcome.messageId}`);
        })
        .catch((err: unknown) => {
          if (err instanceof RelayFailed) return callback(smtpError(err.reply));
          if (isStoreUnavailable(err)) log.warn("submission: deferred, a store is unavailable", { err: String(err), session: session.id });
          else log.error("submission: could not accept message", { err, session: session.id });
          callback(smtpError(replies.localError()));
        });
    },
  });
}
