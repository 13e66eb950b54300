// SMTP replies with precise RFC 3463 enhanced status codes. smtp-server derives the enhanced code
// from the reply code alone (every 554 becomes 5.6.0, every 550 5.1.1), which would make a relay
// refusal read as "554 5.6.0". Replies we build carry their own code; the patch below keeps it.
import type { Socket } from "node:net";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import type { MimeExcess } from "./mime-structure.ts";

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

// A server created with the option `coalesceReplies` also sends the replies to pipelined commands
// (RFC 2920: MAIL, RCPT and DATA in one packet) in one packet, as Postfix's smtpd does, which flushes
// its replies only once it has read what the client sent: the socket is corked at a turn's first
// reply and uncorked once the event loop has run that turn (setImmediate). One write instead of
// three per message.
type Send = (code: number, data?: string | string[], context?: string | false) => void;
type Connection = { _socket?: Socket; _server: { options: { coalesceReplies?: boolean } } };
const proto = SMTPConnection.prototype as unknown as { send: Send & { enhancedAware?: true } };
if (!proto.send.enhancedAware) {
  const original = proto.send;
  const send: Send & { enhancedAware?: true } = function (this: Connection, code, data, context) {
    const socket = this._socket;
    if (this._server.options.coalesceReplies && socket && !socket.writableCorked) {
      socket.cork();
      setImmediate(() => socket.uncork());
    }
    const own = typeof data === "string" && ENHANCED.test(data);
    return original.call(this, code, data, own ? false : context);
  };
  send.enhancedAware = true;
  proto.send = send;
}

export interface SmtpReply {
  code: number;
  /** RFC 3463 status, e.g. 5.1.1 */
  status: string;
  text: string;
}

/** The error smtp-server turns into a reply line: `<code> <status> <text>`. */
export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  const err = new Error(`${reply.status} ${reply.text}`) as Error & { responseCode: number };
  err.responseCode = reply.code;
  return err;
}

export const replies = {
  badAddress: (address: string): SmtpReply => ({ code: 501, status: "5.1.3", text: `<${address}>: bad recipient address syntax` }),
  unknownUser: (address: string): SmtpReply => ({ code: 550, status: "5.1.1", text: `<${address}>: no such user here` }),
  relayDenied: (address: string): SmtpReply => ({ code: 554, status: "5.7.1", text: `<${address}>: relay access denied` }),
  onlyBounces: (address: string): SmtpReply => ({
    code: 550,
    status: "5.7.1",
    text: `<${address}>: this address of forwarded mail accepts only delivery status notifications (MAIL FROM:<>)`,
  }),
  tooManyBounces: (address: string): SmtpReply => ({ code: 450, status: "4.7.1", text: `<${address}>: too many bounces to forwarded mail just now, try again later` }),
  mailboxFull: (address: string): SmtpReply => ({
    code: 452,
    status: "4.2.2",
    text: `<${address}>: mailbox full, try again later`,
  }),
  tooBig: (limit: number): SmtpReply => ({ code: 552, status: "5.3.4", text: `message exceeds the size limit of ${limit} bytes` }),
  mimeLimit: (excess: MimeExcess): SmtpReply => ({
    code: 552,
    status: "5.3.4",
    text:
      excess.limit === "depth"
        ? `message exceeds the MIME nesting limit of ${excess.max} levels`
        : `message exceeds the limit of ${excess.max} ${excess.limit === "parts" ? "MIME parts" : "attachments"}`,
  }),
  emptyMessage: (): SmtpReply => ({ code: 554, status: "5.6.0", text: "message is empty: send a header section and a body" }),
  busy: (): SmtpReply => ({ code: 451, status: "4.3.2", text: "too much mail waiting to be filed, try again later" }),
  localError: (): SmtpReply => ({ code: 451, status: "4.3.0", text: "temporary local problem, try again later" }),
} as const;
