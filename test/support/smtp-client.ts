// A minimal SMTP client for tests that need to see every reply line exactly (nodemailer hides them).
import net from "node:net";

export interface SmtpSession {
  /** Sends one command line (CRLF added) and returns the complete reply. */
  command(line: string): Promise<string>;
  /** Sends DATA, the message (dot-stuffed, terminated) and returns the final reply. */
  data(message: string | Buffer): Promise<string>;
  /** Writes raw bytes without waiting for anything. */
  write(bytes: string | Buffer): void;
  /** Waits for the next complete reply. */
  reply(): Promise<string>;
  close(): Promise<void>;
}

/** `localAddress` picks the client's own address (any of 127.0.0.0/8 on loopback), for tests that
 * need several clients. */
export async function smtpConnect(port: number, host = "127.0.0.1", localAddress?: string): Promise<SmtpSession> {
  const socket = net.connect({ port, host, localAddress });
  let buffer = "";
  const waiters: { resolve: (reply: string) => void; reject: (err: Error) => void }[] = [];
  const ready: string[] = [];
  let closed: Error | null = null;
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (;;) {
      // A reply ends with a line "NNN text" (space after the code, not a dash).
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(buffer);
      if (!m) break;
      buffer = buffer.slice(m[0].length);
      const text = m[0].trimEnd();
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(text);
      else ready.push(text);
    }
  });
  // A server that goes away (crash, kill) fails whatever is waiting, rather than leaving it hanging.
  const fail = (err: Error) => {
    closed ??= err;
    for (const w of waiters.splice(0)) w.reject(closed);
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("connection closed")));
  const reply = () =>
    new Promise<string>((resolve, reject) => {
      if (ready.length) resolve(ready.shift()!);
      else if (closed) reject(closed);
      else waiters.push({ resolve, reject });
    });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  await reply(); // greeting
  const session: SmtpSession = {
    reply,
    write: (bytes) => void socket.write(bytes),
    async command(line) {
      socket.write(line + "\r\n");
      return reply();
    },
    async data(message) {
      const start = await session.command("DATA");
      if (!start.startsWith("354")) return start;
      const text = Buffer.isBuffer(message) ? message : Buffer.from(message, "utf8");
      const stuffed = Buffer.from(text.toString("latin1").replace(/(^|\n)\./g, "$1.."), "latin1");
      const ending = stuffed.subarray(-2).toString() === "\r\n" ? "" : "\r\n";
      socket.write(Buffer.concat([stuffed, Buffer.from(`${ending}.\r\n`)]));
      return reply();
    },
    async close() {
      if (closed) return;
      socket.end("QUIT\r\n");
      await new Promise((resolve) => socket.once("close", resolve));
    },
  };
  return session;
}

/** One whole transaction; returns the final reply. */
export async function sendMail(port: number, from: string, to: string[], message: string | Buffer): Promise<string> {
  const s = await smtpConnect(port);
  try {
    await s.command("EHLO client.test");
    const mail = await s.command(`MAIL FROM:<${from}>`);
    if (!mail.startsWith("250")) return mail;
    for (const rcpt of to) {
      const r = await s.command(`RCPT TO:<${rcpt}>`);
      if (!r.startsWith("250")) return r;
    }
    return await s.data(message);
  } finally {
    await s.close();
  }
}
