// The MX: smtp-server on the inbound port, wired to the directory (RCPT), the spool (DATA) and the
// pipeline. A message is answered 250 only after the spool has synced it to disk, and its recipients
// homed in other regions only after their regions' spools have (region-relay.ts).
import { readFileSync } from "node:fs";
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { uuidv7 } from "../../../../shared/ids.ts";
import { limits } from "../../../../shared/limits.ts";
import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import type { Directory } from "../../store/directory.ts";
import type { OutboundQueue } from "../../store/outbound-queue.ts";
import type { Shards } from "../../store/shards.ts";
import type { InboundRecipient, SpoolMeta } from "../../spool/entry.ts";
import type { MailHandoff } from "../../spool/handoff.ts";
import type { Spool } from "../../spool/spool.ts";
import { inboundOriginatorRefusal } from "../originator-fields.ts";
import { replies, smtpError } from "../reply.ts";
import { authenticateInbound, type ResolveFn } from "./authenticate.ts";
import { BounceLimits } from "./bounce-limits.ts";
import { scanAtData, type VirusScan } from "./virus-scan.ts";
import { receiveMessage, traceHeaders } from "./data.ts";
import { isStoreUnavailable, StoreUnavailableError } from "../../store/unavailable.ts";
import { checkRecipient, type RecipientCheck, type RegionRouting } from "./rcpt.ts";
import type { RcptContext } from "./rcpt-verdict.ts";
import { RelayFailed, type RegionRelay, type RelayedRecipient } from "./region-relay.ts";
import { RecipientCache } from "./recipient-cache.ts";

export interface MxDeps {
  config: Pick<Config, "hostname" | "maxMessageBytes" | "smtp" | "protection">;
  directory: Directory;
  shards: Shards;
  spool: Spool<SpoolMeta>;
  pipeline: Pick<MailHandoff, "enqueue" | "backlogBytes" | "blobStoreDown">;
  log: Logger;
  /** The service's resolver (DNS_SERVERS), for SPF, DKIM, DMARC and ARC. */
  resolve: ResolveFn;
  /** The virus scanner (clamd), or null when none is configured. */
  scan: VirusScan | null;
  /** Above this many bytes accepted but not yet filed, new mail is deferred with 451. */
  maxBacklogBytes?: number;
  /** Where the MX finds the forwards it sent (for bounces to SRS addresses of the old format). */
  queue: Pick<OutboundQueue, "sentWithSender">;
  /** Other regions (the global directory, the relay to their cores); null with one region. */
  regions?: (RegionRouting & { relay: Pick<RegionRelay, "checkRecipient" | "deliver"> }) | null;
}

/** The SIZE the client declared at MAIL FROM (RFC 1870; smtp-server checked its syntax), or 0. */
function declaredSize(session: SMTPServerSession): number {
  const args = session.envelope.mailFrom ? (session.envelope.mailFrom.args as Record<string, string> | false) : false;
  return args && args.SIZE ? Number(args.SIZE) : 0;
}

/** The MX's RCPT check (the directory through its cache, SRS bounces, other regions with `deps.regions`);
 * the home side of the relay (api/routes/relay.ts) checks relayed recipients with one made without. */
export function recipientChecker(deps: Omit<MxDeps, "spool" | "pipeline" | "resolve" | "scan" | "log">): (address: string, context: RcptContext) => Promise<RecipientCheck> {
  const recipients = new RecipientCache(deps.directory, { ttlMs: deps.config.smtp.recipientCacheSeconds * 1000 });
  const rcptDeps = { ...deps, recipients, srs: { secret: deps.config.protection.srsSecret }, bounceLimits: new BounceLimits() };
  return (address, context) => checkRecipient(rcptDeps, address, context);
}

export function createMxServer(deps: MxDeps): SMTPServer {
  const { config, log } = deps;
  const maxBacklog = deps.maxBacklogBytes ?? 512 * 1024 * 1024;
  // smtp-server gives each transaction a fresh envelope object; the resolved recipients hang off it.
  const accepted = new WeakMap<object, InboundRecipient[]>();
  const relayed = new WeakMap<object, RelayedRecipient[]>();
  const tls = config.smtp.tls;
  const check = recipientChecker(deps);

  return new SMTPServer({
    name: config.hostname,
    banner: "edgemail",
    size: config.maxMessageBytes,
    rejectOversized: true,
    maxRecipients: limits.maxRecipients,
    authOptional: true,
    disabledCommands: ["AUTH"],
    hideSTARTTLS: !tls,
    hideENHANCEDSTATUSCODES: false,
    ...(tls ? { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } : {}),
    // Reverse lookups would leave the machine; SPF and friends will use the configured resolver.
    disableReverseLookup: true,
    // Greet at once unless the operator asks for the early-talker pause (SMTP_GREETING_PAUSE_MS).
    earlyTalkerDelay: config.smtp.greetingPauseMs,
    logger: false,

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      // Mail that the blob store could not take either waits with its sender (451), not in the spool.
      if (deps.pipeline.blobStoreDown) {
        log.warn("mx: recipient deferred, the blob store is unavailable", { session: session.id });
        return callback(smtpError(replies.localError()));
      }
      check(address.address, { mailFrom, clientAddress: session.remoteAddress, declaredSize: declaredSize(session) }).then(
        (verdict) => {
          if (!verdict.accept) return callback(smtpError(verdict.reply));
          if ("relay" in verdict) {
            relayed.set(session.envelope, [...(relayed.get(session.envelope) ?? []), verdict.relay]);
            return callback();
          }
          const list = accepted.get(session.envelope) ?? [];
          list.push(verdict.recipient);
          accepted.set(session.envelope, list);
          callback();
        },
        (err: unknown) => {
          if (isStoreUnavailable(err)) log.warn("mx: recipient deferred, a database is unavailable", { err: String(err), session: session.id });
          else log.error("mx: recipient check failed", { err, session: session.id });
          callback(smtpError(replies.localError()));
        },
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const receivedAt = Date.now();
      receiveMessage(stream, config.maxMessageBytes)
        .then(async (received) => {
          if ("refuse" in received) return callback(smtpError(received.refuse));
          if (deps.pipeline.backlogBytes > maxBacklog) return callback(smtpError(replies.busy()));
          const repeatedOriginator = inboundOriginatorRefusal(received.message);
          if (repeatedOriginator) return callback(smtpError(repeatedOriginator));
          const recipients = accepted.get(session.envelope) ?? [];
          const elsewhere = relayed.get(session.envelope) ?? [];
          const id = uuidv7(receivedAt);
          const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          const helo = session.hostNameAppearsAs || "";
          const auth = await authenticateInbound(received.message, { ip: session.remoteAddress, helo, mailFrom, hostname: config.hostname, resolve: deps.resolve });
          if (auth.refuse) {
            log.info("mx: refused by the sender domain's DMARC policy", { session: session.id, from: auth.verdict.fromDomain });
            return callback(smtpError(auth.refuse));
          }
          const virus = await scanAtData(deps.scan, received.message, log, session.id);
          if ("refuse" in virus) return callback(smtpError(virus.refuse));
          const raw = Buffer.concat([
            traceHeaders({
              mailFrom,
              helo,
              clientAddress: session.remoteAddress,
              hostname: config.hostname,
              protocol: session.transmissionType || "ESMTP",
              id,
              recipients: [...recipients.map((r) => r.address), ...elsewhere.map((r) => r.address)],
              receivedAt,
            }),
            auth.headers,
            auth.message,
          ]);
          // The last moment to say no: a shard or the directory that went down since RCPT would leave
          // this message in the spool, unfiled, while the sender believes it delivered.
          await Promise.all([deps.shards.probe(recipients.flatMap((r) => ("shard" in r ? [r.shard] : []))), deps.directory.probe()]);
          if (deps.pipeline.blobStoreDown) throw new StoreUnavailableError("the blob store");
          const client = { address: session.remoteAddress, helo, tls: Boolean(session.secure) };
          // Other regions' recipients first, each region given exactly its own: should one not take
          // the message, nothing is spooled here and the sender retries the whole message.
          if (elsewhere.length > 0) {
            const regions = [...new Set(elsewhere.map((r) => r.region))];
            await Promise.all(
              regions.map((region) => {
                const list = elsewhere.filter((r) => r.region === region).map((r) => r.address);
                return deps.regions!.relay.deliver(region, { id, receivedAt, mailFrom, recipients: list, client, auth: auth.verdict, virusScan: virus.status }, raw);
              }),
            );
            if (recipients.length === 0) return callback(null, `2.0.0 Ok: queued as ${id}`);
          }
          const entry = {
            id,
            receivedAt,
            raw,
            meta: {
              kind: "inbound" as const,
              mailFrom,
              recipients,
              client,
              auth: auth.verdict,
              virusScan: virus.status,
            },
          };
          await deps.spool.append(entry);
          deps.pipeline.enqueue(entry);
          callback(null, `2.0.0 Ok: queued as ${id}`);
        })
        .catch((err: unknown) => {
          if (err instanceof RelayFailed) return callback(smtpError(err.reply));
          if (isStoreUnavailable(err)) log.warn("mx: deferred, a database is unavailable", { err: String(err), session: session.id });
          else log.error("mx: could not accept message", { err, session: session.id });
          callback(smtpError(replies.localError()));
        });
    },
  });
}
