// The reply patch of ./reply.ts on a real smtp-server over loopback: replies to pipelined commands
// leave in one write when the server asks for it, one write each otherwise (as upstream).
import type { Socket } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { smtpConnect } from "../../../test/support/smtp-client.ts";
import "./reply.ts";

let server: SMTPServer | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server whose sockets count their writes to the kernel (corked writes leave as one). */
async function start(coalesceReplies: boolean): Promise<{ port: number; writes: () => number }> {
  let writes = 0;
  server = new SMTPServer({
    coalesceReplies,
    authOptional: true,
    earlyTalkerDelay: 0,
    disableReverseLookup: true,
    logger: false,
    // As the submission server answers: MAIL after a lookup (a promise), RCPT at once.
    onMailFrom: (_a, _s, cb) => void Promise.resolve().then(() => cb()),
    onRcptTo: (_a, _s, cb) => cb(),
    onData: (stream, _s, cb) => stream.resume().on("end", () => cb()),
  });
  (server as unknown as { server: { on: (e: "connection", l: (s: Socket) => void) => void } }).server.on("connection", (socket) => {
    const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const write = s._write.bind(socket);
    const writev = s._writev.bind(socket);
    s._write = (...a) => (writes++, write(...a));
    s._writev = (...a) => (writes++, writev(...a));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { port: (server as unknown as { server: { address: () => { port: number } } }).server.address().port, writes: () => writes };
}

async function pipelined(port: number, writes: () => number): Promise<{ replies: string[]; writes: number }> {
  const s = await smtpConnect(port);
  await s.command("EHLO client.test");
  const before = writes();
  s.write("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
  const replies = [await s.reply(), await s.reply(), await s.reply()];
  const counted = writes() - before;
  s.write("Subject: x\r\n\r\nx\r\n.\r\n");
  await s.reply();
  await s.close();
  return { replies: replies.map((r) => r.slice(0, 3)), writes: counted };
}

describe("replies to pipelined commands", () => {
  it("go out in one write with coalesceReplies", async () => {
    const { port, writes } = await start(true);
    expect(await pipelined(port, writes)).toEqual({ replies: ["250", "250", "354"], writes: 1 });
  });

  it("go out one write each without it", async () => {
    const { port, writes } = await start(false);
    expect(await pipelined(port, writes)).toEqual({ replies: ["250", "250", "354"], writes: 3 });
  });
});
