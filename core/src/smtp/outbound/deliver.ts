// One SMTP transaction with one remote host, for one message and the recipients it has there.
// Opportunistic STARTTLS (unverified, as MTAs do without MTA-STS or DANE); AUTH when the hop is a
// smart host. Each recipient gets its own outcome from the replies to its RCPT and to the DATA.
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { NextHop } from "./route.ts";

export type Outcome = "delivered" | "deferred" | "bounced";

export interface RecipientResult {
  recipient: string;
  outcome: Outcome;
  /** The remote server's reply (or a description of what went wrong). */
  reply: string;
}

export interface Transaction {
  hop: NextHop;
  /** Our name in EHLO. */
  heloName: string;
  from: string;
  recipients: string[];
  raw: Buffer;
  timeoutMs?: number;
}

function outcomeOf(code: number | undefined): Outcome {
  return code !== undefined && code >= 500 && code < 600 ? "bounced" : "deferred";
}

function reply(err: unknown): string {
  const e = err as { response?: string; message?: string };
  return (e.response ?? e.message ?? String(err)).trim();
}

export function deliver(t: Transaction): Promise<RecipientResult[]> {
  const timeout = t.timeoutMs ?? 60_000;
  const where = `${t.hop.hostname}[${t.hop.address}]:${t.hop.port}`;
  return new Promise((resolve) => {
    const everyone = (outcome: Outcome, text: string) => t.recipients.map((recipient) => ({ recipient, outcome, reply: text }));
    const connection = new SMTPConnection({
      host: t.hop.address,
      port: t.hop.port,
      name: t.heloName,
      secure: false,
      opportunisticTLS: true,
      tls: { servername: t.hop.hostname, rejectUnauthorized: false },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    });
    let settled = false;
    const finish = (results: RecipientResult[]) => {
      if (settled) return;
      settled = true;
      connection.quit();
      resolve(results);
    };
    // Connection trouble (refused, reset, timeout, TLS) is temporary for every recipient.
    connection.once("error", (err: unknown) => finish(everyone("deferred", `${where}: ${reply(err)}`)));
    connection.connect(() => {
      const send = () =>
        connection.send({ from: t.from, to: t.recipients }, t.raw, (err, info) => {
          if (err) {
            const e = err as { responseCode?: number; rejectedErrors?: { recipient: string; responseCode?: number; response?: string }[] };
            if (e.rejectedErrors && e.rejectedErrors.length === t.recipients.length) {
              // Every RCPT was refused: each recipient has its own reply.
              return finish(e.rejectedErrors.map((r) => ({ recipient: r.recipient, outcome: outcomeOf(r.responseCode), reply: `${where}: ${reply(r)}` })));
            }
            // MAIL FROM or DATA refused: the same answer for all.
            return finish(everyone(outcomeOf(e.responseCode), `${where}: ${reply(err)}`));
          }
          const refused = new Map((info.rejectedErrors ?? []).map((r) => [(r as { recipient: string }).recipient, r]));
          finish(
            t.recipients.map((recipient) => {
              const r = refused.get(recipient) as { responseCode?: number } | undefined;
              return r ? { recipient, outcome: outcomeOf(r.responseCode), reply: `${where}: ${reply(r)}` } : { recipient, outcome: "delivered" as const, reply: `${where}: ${info.response}` };
            }),
          );
        });
      if (t.hop.auth) {
        connection.login({ user: t.hop.auth.user, pass: t.hop.auth.pass }, (err) => {
          // A refused login is our configuration's fault, not the recipients': defer, as Postfix does.
          if (err) return finish(everyone("deferred", `${where}: authentication failed: ${reply(err)}`));
          send();
        });
      } else send();
    });
  });
}
