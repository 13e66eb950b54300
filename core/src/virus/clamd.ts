// A client for ClamAV's daemon (clamd): the message bytes go over its INSTREAM command and clamd
// answers clean, infected (with the signature's name) or an error. Any failure — clamd down, slow,
// refusing the size, cutting the reply short — is an "error" verdict, never "clean" and never a throw,
// so the caller decides whether to defer (4xx) or accept unscanned.
import net from "node:net";
import { formatClamdAddress, type ClamdAddress } from "../clamd-address.ts";

export type ClamdVerdict = { status: "clean" } | { status: "infected"; signature: string } | { status: "error"; reason: string };

// clamd reads a stream chunk by chunk; 64 KiB keeps the number of writes low without holding a second
// copy of a large message in memory.
const CHUNK_BYTES = 64 * 1024;
// A reply is one short line; anything longer is not clamd.
const MAX_REPLY_BYTES = 4096;

/** Scans `bytes` (a whole RFC 5322 message is fine: clamd decodes MIME parts itself). */
export async function scanWithClamd(address: ClamdAddress, bytes: Uint8Array, options: { timeoutMs?: number } = {}): Promise<ClamdVerdict> {
  const reply = await exchange(address, options.timeoutMs ?? 30_000, async (write) => {
    // The "z" prefix asks for NUL-terminated replies, so a reply cut short is told apart from a whole one.
    await write(Buffer.from("zINSTREAM\0", "latin1"));
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, Math.min(offset + CHUNK_BYTES, bytes.length));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(chunk.length);
      if (!(await write(length)) || !(await write(chunk))) return;
    }
    await write(Buffer.alloc(4)); // a zero-length chunk ends the stream
  });
  if (!reply.ok) return { status: "error", reason: reply.reason };
  return verdictFromReply(reply.text);
}

/** True when clamd answers PING with PONG in time: a health check for start-up and /health. */
export async function pingClamd(address: ClamdAddress, options: { timeoutMs?: number } = {}): Promise<boolean> {
  const reply = await exchange(address, options.timeoutMs ?? 2_000, async (write) => {
    await write(Buffer.from("zPING\0", "latin1"));
  });
  return reply.ok && reply.text === "PONG";
}

function verdictFromReply(text: string): ClamdVerdict {
  if (text === "stream: OK") return { status: "clean" };
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found) return { status: "infected", signature: found[1]! };
  if (/size limit exceeded/i.test(text)) return { status: "error", reason: `the message is larger than clamd's StreamMaxLength (clamd: "${text}")` };
  if (text.endsWith("ERROR")) return { status: "error", reason: `clamd could not scan the message: "${text}"` };
  return { status: "error", reason: `unexpected reply from clamd: "${text}"` };
}

type Reply = { ok: true; text: string } | { ok: false; reason: string };
/** Writes one buffer; false once the exchange is over (answered, failed or timed out). */
type Write = (data: Uint8Array) => Promise<boolean>;

/** One command on a fresh connection: connect, send, read one NUL-terminated reply, close. */
function exchange(address: ClamdAddress, timeoutMs: number, send: (write: Write) => Promise<void>): Promise<Reply> {
  const where = formatClamdAddress(address);
  return new Promise((resolve) => {
    const socket = address.kind === "unix" ? net.createConnection({ path: address.path }) : net.createConnection({ host: address.host, port: address.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (reply: Reply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `clamd at ${where} did not answer within ${timeoutMs} ms` }), timeoutMs);

    const write: Write = (data) =>
      new Promise((done) => {
        if (settled || socket.destroyed) return done(false);
        if (socket.write(data)) return done(true);
        // Wait for the kernel to take the data, or for the exchange to end (clamd may answer and close
        // before it has read everything, as it does past StreamMaxLength).
        const onDrain = () => {
          socket.off("close", onClose);
          done(!settled);
        };
        const onClose = () => {
          socket.off("drain", onDrain);
          done(false);
        };
        socket.once("drain", onDrain);
        socket.once("close", onClose);
      });

    socket.once("connect", () => {
      send(write).catch((err: unknown) => finish({ ok: false, reason: `sending to clamd at ${where} failed: ${String(err)}` }));
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(0);
      if (end >= 0) return finish({ ok: true, text: received.subarray(0, end).toString("latin1").trim() });
      if (received.length > MAX_REPLY_BYTES) finish({ ok: false, reason: `clamd at ${where} sent an overlong reply` });
    });
    socket.on("end", () => {
      const partial = received.toString("latin1").trim();
      // Without a trailing NUL, clamd closed mid-reply; an unterminated error line still names the cause.
      if (/size limit exceeded/i.test(partial)) return finish({ ok: true, text: partial });
      finish({ ok: false, reason: partial ? `clamd at ${where} closed the connection mid-reply ("${partial}")` : `clamd at ${where} closed the connection without answering` });
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const partial = received.toString("latin1").trim();
      if (/size limit exceeded/i.test(partial)) return finish({ ok: true, text: partial });
      finish({ ok: false, reason: describeSocketError(err, where) });
    });
    socket.on("close", () => finish({ ok: false, reason: `clamd at ${where} closed the connection without answering` }));
  });
}

function describeSocketError(err: NodeJS.ErrnoException, where: string): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `clamd is not listening at ${where} (connection refused)`;
    case "ENOENT":
      return `clamd's socket ${where} does not exist`;
    case "EACCES":
      return `no permission to use clamd's socket ${where}`;
    case "ECONNRESET":
    case "EPIPE":
      // clamd resets a connection when it drops a stream it will not read to the end (StreamMaxLength).
      return `clamd at ${where} dropped the connection while the message was being sent (larger than its StreamMaxLength?)`;
    default:
      return `cannot reach clamd at ${where}: ${err.code ?? err.message}`;
  }
}
