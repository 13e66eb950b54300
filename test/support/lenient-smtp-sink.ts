// A careless next hop, for SMTP smuggling tests (CVE-2023-51764 and kin): a minimal SMTP server on
// loopback that takes a bare CR or a bare LF as a line end, both for commands and for the "." that
// ends DATA, as some deployed MTAs did. Whatever follows such an early end is read as commands, so a
// smuggled second transaction shows up here as a message of its own. It records each transaction
// with the DATA bytes exactly as they came over the wire (dot-stuffing and line ends included).
import net from "node:net";

export interface LenientTransaction {
  from: string;
  to: string[];
  /** The DATA section as sent, up to (not including) the line that ended it. */
  wire: Buffer;
}

export interface LenientSink {
  port: number;
  transactions: LenientTransaction[];
  close(): Promise<void>;
}

// Any line break, then a lone dot, then any line break: where a careless server stops reading DATA.
const LENIENT_END = /(?:^|\r\n|\r|\n)\.(?:\r\n|\r|\n)/;
const LENIENT_LINE = /\r\n|\r|\n/;

export async function startLenientSink(): Promise<LenientSink> {
  const transactions: LenientTransaction[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffer = "";
    let data: string | null = null;
    let envelope: { from: string; to: string[] } = { from: "", to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const command = (line: string) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO" || verb === "HELO") return reply("250 lenient.test");
      if (verb === "MAIL") {
        envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? "", to: [] };
        return reply("250 2.1.0 Ok");
      }
      if (verb === "RCPT") {
        envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
        return reply("250 2.1.5 Ok");
      }
      if (verb === "DATA") {
        data = "";
        return reply("354 End data with <CR><LF>.<CR><LF>");
      }
      if (verb === "QUIT") {
        reply("221 2.0.0 Bye");
        return socket.end();
      }
      return reply("250 2.0.0 Ok");
    };
    const pump = () => {
      for (;;) {
        if (data !== null) {
          const all = data + buffer;
          const end = LENIENT_END.exec(all);
          if (!end) {
            data = all;
            buffer = "";
            return;
          }
          transactions.push({ ...envelope, wire: Buffer.from(all.slice(0, end.index), "latin1") });
          buffer = all.slice(end.index + end[0].length);
          data = null;
          reply("250 2.0.0 Ok: taken");
          continue;
        }
        const line = LENIENT_LINE.exec(buffer);
        if (!line) return;
        const text = buffer.slice(0, line.index);
        buffer = buffer.slice(line.index + line[0].length);
        if (text.length > 0) command(text);
      }
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      pump();
    });
    reply("220 lenient.test ESMTP");
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    transactions,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
