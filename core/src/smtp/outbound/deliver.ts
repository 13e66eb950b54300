// SMTP transactions with one remote host. A session connects once (opportunistic STARTTLS,
// unverified as MTAs do without MTA-STS or DANE; AUTH when the hop is a smart host) and can carry
// several messages, as Postfix's connection cache does for a busy destination. Each recipient gets
// its own outcome from the replies to its RCPT and to the DATA.
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { NextHop } from "./route.ts";

export type Outcome = "delivered" | "deferred" | "bounced";

export interface RecipientResult {
  recipient: string;
  outcome: Outcome;
  /** The remote server's reply (or a description of what went wrong). */
  reply: string;
}

function outcomeOf(code: number | undefined): Outcome {
  return code !== undefined && code >= 500 && code < 600 ? "bounced" : "deferred";
}

function reply(err: unknown): string {
  const e = err as { response?: string; message?: string };
  return (e.response ?? e.message ?? String(err)).trim();
}

/** Messages per connection before it is renewed (Postfix's smtp_connection_reuse_count_limit). */
export const MAX_MESSAGES_PER_SESSION = 100;

export class SmtpSession {
  readonly hop: NextHop;
  readonly #connection: SMTPConnection;
  readonly #where: string;
  #broken: string | null = null;
  #messages = 0;

  private constructor(hop: NextHop, connection: SMTPConnection) {
    this.hop = hop;
    this.#connection = connection;
    this.#where = `${hop.hostname}[${hop.address}]:${hop.port}`;
    // Connection trouble (refused, reset, timeout, TLS) is temporary for every recipient.
    connection.on("error", (err: unknown) => (this.#broken ??= `${this.#where}: ${reply(err)}`));
    connection.on("end", () => (this.#broken ??= `${this.#where}: connection closed`));
  }

  /** Connects, greets and (for a smart host) logs in; a failure is a reply to give every recipient. */
  static open(hop: NextHop, heloName: string, timeoutMs = 60_000): Promise<SmtpSession | { failed: string }> {
    const where = `${hop.hostname}[${hop.address}]:${hop.port}`;
    return new Promise((resolve) => {
      const connection = new SMTPConnection({
        host: hop.address,
        port: hop.port,
        name: heloName,
        secure: false,
        opportunisticTLS: true,
        tls: { servername: hop.hostname, rejectUnauthorized: false },
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        logger: false,
      });
      let settled = false;
      const done = (value: SmtpSession | { failed: string }) => {
        if (settled) return;
        settled = true;
        if ("failed" in value) connection.close();
        resolve(value);
      };
      connection.once("error", (err: unknown) => done({ failed: `${where}: ${reply(err)}` }));
      connection.connect(() => {
        if (!hop.auth) return done(new SmtpSession(hop, connection));
        connection.login({ user: hop.auth.user, pass: hop.auth.pass }, (err) => {
          // A refused login is our configuration's fault, not the recipients': defer, as Postfix does.
          if (err) return done({ failed: `${where}: authentication failed: ${reply(err)}` });
          done(new SmtpSession(hop, connection));
        });
      });
    });
  }

  get usable(): boolean {
    return this.#broken === null && this.#messages < MAX_MESSAGES_PER_SESSION;
  }

  send(from: string, recipients: string[], raw: Buffer): Promise<RecipientResult[]> {
    const everyone = (outcome: Outcome, text: string) => recipients.map((recipient) => ({ recipient, outcome, reply: text }));
    if (this.#broken) return Promise.resolve(everyone("deferred", this.#broken));
    this.#messages++;
    const where = this.#where;
    return new Promise((resolve) => {
      const onError = () => finish(everyone("deferred", this.#broken ?? `${where}: connection lost`));
      let settled = false;
      const finish = (results: RecipientResult[]) => {
        if (settled) return;
        settled = true;
        this.#connection.off("error", onError);
        resolve(results);
      };
      this.#connection.once("error", onError);
      // nodemailer's DATA stream writes every bare CR and bare LF as CRLF and stuffs a dot after
      // any of them, so a stored message with "\n.\n" or "\r.\r" in it cannot end DATA early at a
      // next hop that reads those as line ends (SMTP smuggling; smuggling.test.ts holds it to that).
      this.#connection.send({ from, to: recipients }, raw, (err, info) => {
        if (err) {
          const e = err as { responseCode?: number; rejectedErrors?: { recipient: string; responseCode?: number; response?: string }[] };
          // The server refused this message but the session is fine: RSET and carry on.
          if (!this.#broken) this.#connection.reset(() => undefined);
          if (e.rejectedErrors && e.rejectedErrors.length === recipients.length) {
            // Every RCPT was refused: each recipient has its own reply.
            return finish(e.rejectedErrors.map((r) => ({ recipient: r.recipient, outcome: outcomeOf(r.responseCode), reply: `${where}: ${reply(r)}` })));
          }
          // MAIL FROM or DATA refused (or the connection failed): the same answer for all.
          return finish(everyone(this.#broken ? "deferred" : outcomeOf(e.responseCode), `${where}: ${reply(err)}`));
        }
        const refused = new Map((info.rejectedErrors ?? []).map((r) => [(r as { recipient: string }).recipient, r as { responseCode?: number }]));
        finish(
          recipients.map((recipient) => {
            const r = refused.get(recipient);
            return r ? { recipient, outcome: outcomeOf(r.responseCode), reply: `${where}: ${reply(r)}` } : { recipient, outcome: "delivered" as const, reply: `${where}: ${info.response}` };
          }),
        );
      });
    });
  }

  close(): void {
    this.#broken ??= "closed";
    this.#connection.quit();
  }
}
