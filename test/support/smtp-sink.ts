// A remote mail server for tests: a real smtp-server on loopback that records what it accepts and
// answers each recipient as the test says (by local part: "gone" → 550, "busy" → 451 the first time).
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";

export interface SunkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  /** performance.now() when the message was accepted. */
  receivedAt: number;
}

export interface SmtpSink {
  port: number;
  messages: SunkMessage[];
  /** Recipients refused so far, with the reply given. */
  refusals: { recipient: string; code: number }[];
  /** Connections taken so far, open now, and the most open at once. */
  connections: { opened: number; open: number; maxOpen: number };
  /** Delay before answering the final dot (to let a test kill the sender meanwhile). */
  setDataDelay(ms: number, onData?: () => void): void;
  close(): Promise<void>;
}

/** `greetAtOnce`: no early-talker pause before the greeting (smtp-server waits 100 ms), as Postfix
 * greets; the send benchmark's sink must not be what limits a sender that opens many connections. */
export async function startSmtpSink(options: { key?: Buffer; cert?: Buffer; auth?: { user: string; pass: string }; greetAtOnce?: boolean } = {}): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  const refusals: { recipient: string; code: number }[] = [];
  const busySeen = new Set<string>();
  let dataDelay = 0;
  const connections = { opened: 0, open: 0, maxOpen: 0 };
  let onDataHook: (() => void) | undefined;
  const refuse = (recipient: string, code: number, text: string) => {
    refusals.push({ recipient, code });
    return Object.assign(new Error(text), { responseCode: code });
  };
  const server = new SMTPServer({
    // As a smart host: AUTH required (over plaintext: the test runs on loopback).
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: options.auth ? [] : ["AUTH"],
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error("5.7.8 bad credentials"), { responseCode: 535 }));
    },
    hideSTARTTLS: !options.key,
    ...(options.key ? { key: options.key, cert: options.cert } : {}),
    disableReverseLookup: true,
    ...(options.greetAtOnce ? { earlyTalkerDelay: 0 } : {}),
    logger: false,
    onConnect(_session, callback) {
      connections.opened++;
      connections.maxOpen = Math.max(connections.maxOpen, ++connections.open);
      callback();
    },
    onClose() {
      connections.open--;
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split("@")[0]!;
      if (local.startsWith("gone")) return callback(refuse(address.address, 550, "5.1.1 no such user here"));
      if (local.startsWith("busy") && !busySeen.has(address.address)) {
        busySeen.add(address.address);
        return callback(refuse(address.address, 451, "4.3.0 try again later"));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        onDataHook?.();
        const alive = () => [...server.connections].some((c) => (c as unknown as { id: string }).id === session.id);
        setTimeout(() => {
          // A client that went away before our 250 has not had its message accepted (RFC 5321 §4.1.1.4).
          if (!alive()) return callback(new Error("client went away"));
          messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks), secure: Boolean(session.secure), receivedAt: performance.now() });
          callback(null, "2.0.0 Ok: sunk");
        }, dataDelay);
      });
    },
  });
  // A sender killed mid-session (the crash tests do it on purpose) resets its socket; smtp-server
  // reports that as the server's "error" event, which without a listener is an uncaught exception.
  server.on("error", () => undefined);
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port)));
  return {
    port,
    messages,
    refusals,
    connections,
    setDataDelay(ms, hook) {
      dataDelay = ms;
      onDataHook = hook;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
