// The SMTP load generator of the ingest benchmark: `sessions` clients side by side, each either reusing
// one connection for many transactions (like `smtp-source -d`) or, with `perConnection`, opening a new
// connection for every message (greeting, EHLO, the transaction, QUIT), as most MTAs deliver; MAIL/RCPT/
// DATA pipelined as any MTA does with PIPELINING.
import { performance } from "node:perf_hooks";
import { smtpConnect } from "../test/support/smtp-client.ts";

export interface LoadResult {
  sent: number;
  accepted: number;
  refused: string[];
  seconds: number;
  /** Milliseconds from the DATA command to the final reply, one per message. */
  dataToReply: number[];
}

export async function runLoad(opts: {
  port: number;
  sessions: number;
  messages: number;
  recipient: (n: number) => string;
  /** Message `n`, sent by session `s`. */
  message: (n: number, s: number) => Buffer;
  /** Called when message `n` got its 250, with the time (performance.now()) of that reply. */
  onAccepted?: (n: number, at: number) => void;
  /** Pause before each message of a session (ms), to offer a steady rate instead of a flood. */
  pauseMs?: number;
  /** A new connection for every message (its time includes the greeting), instead of one per session. */
  perConnection?: boolean;
  /** Signs each connection of session `s` in with AUTH PLAIN (a mail app submitting). */
  auth?: (s: number) => { user: string; pass: string };
  /** The envelope sender of message `n` ("" for the null sender; default bench@sender.test). */
  from?: (n: number, s: number) => string;
}): Promise<LoadResult> {
  let next = 0;
  const result: LoadResult = { sent: 0, accepted: 0, refused: [], seconds: 0, dataToReply: [] };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.sessions }, async (_, index) => {
      const connect = async () => {
        const session = await smtpConnect(opts.port);
        await session.command("EHLO bench.test");
        if (opts.auth) {
          const { user, pass } = opts.auth(index);
          for (;;) {
            const reply = await session.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`);
            if (reply.startsWith("235")) break;
            // A server that counts logins in progress from one address asks the rest to wait (454).
            const wait = /^454 .*?(\d+) second/.exec(reply);
            if (!wait) throw new Error(`AUTH as ${user} refused: ${reply}`);
            await new Promise((r) => setTimeout(r, Number(wait[1]) * 1000));
          }
        }
        return session;
      };
      let s = await connect();
      let used = false;
      for (let n = next++; n < opts.messages; n = next++) {
        if (opts.perConnection && used) {
          await s.command("QUIT").catch(() => undefined);
          await s.close();
          s = await connect();
        }
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
        used = true;
        const body = opts.message(n, index);
        const t0 = performance.now();
        s.write(`MAIL FROM:<${opts.from?.(n, index) ?? "bench@sender.test"}> SIZE=${body.length}\r\nRCPT TO:<${opts.recipient(n)}>\r\nDATA\r\n`);
        const replies = [await s.reply(), await s.reply(), await s.reply()];
        result.sent++;
        if (!replies[2]!.startsWith("354")) {
          result.refused.push(replies.join(" | "));
          await s.command("RSET");
          continue;
        }
        const stuffed = Buffer.from(body.toString("latin1").replace(/(^|\n)\./g, "$1.."), "latin1");
        s.write(Buffer.concat([stuffed, Buffer.from(stuffed.subarray(-2).toString() === "\r\n" ? ".\r\n" : "\r\n.\r\n")]));
        const final = await s.reply();
        const t1 = performance.now();
        result.dataToReply.push(t1 - t0);
        if (final.startsWith("250")) {
          result.accepted++;
          opts.onAccepted?.(n, t1);
        }
        else result.refused.push(final);
      }
      await s.close();
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A plausible message of about `size` bytes (text that compresses and parses like mail). */
export function syntheticMessage(n: number, size: number, to: string): Buffer {
  const head =
    `From: Bench Sender <bench@sender.test>\r\nTo: <${to}>\r\nSubject: bench message ${n}\r\n` +
    `Date: ${new Date().toUTCString()}\r\nMessage-ID: <bench-${n}-${size}@sender.test>\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n\r\n`;
  const words = ["mail", "edge", "shard", "spool", "quarterly", "report", "meeting", "tomorrow", "please", "review", "attached", "thanks"];
  let body = "";
  let i = n;
  while (head.length + body.length < size - 2) {
    let line = "";
    while (line.length < 70) line += words[(i++ * 7) % words.length] + " ";
    body += line.trimEnd() + "\r\n";
  }
  return Buffer.from(head + body.slice(0, Math.max(0, size - head.length - 2)) + "\r\n");
}
