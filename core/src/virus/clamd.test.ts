import net from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clamdMissing, EICAR, EICAR_SIGNATURE, startClamd, type TestClamd } from "../../../test/support/clamd.ts";
import { freePort } from "../../../test/support/process.ts";
import { parseClamdAddress } from "../clamd-address.ts";
import { pingClamd, scanWithClamd } from "./clamd.ts";

function message(parts: { body: string; attachment?: { name: string; type: string; bytes: Buffer } }): Buffer {
  const head = ["From: Alice <alice@example.org>", "To: bob@example.net", "Subject: the report", "Date: Tue, 03 Mar 2026 10:00:00 +0000", "Message-ID: <r1@example.org>", "MIME-Version: 1.0"];
  if (!parts.attachment) return Buffer.from([...head, "Content-Type: text/plain; charset=utf-8", "", parts.body, ""].join("\r\n"));
  const { name, type, bytes } = parts.attachment;
  const base64 = bytes.toString("base64").replace(/.{1,76}/g, "$&\r\n");
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      parts.body,
      "--b1",
      `Content-Type: ${type}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      base64,
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

describe.skipIf(clamdMissing)("scanning with a real clamd", () => {
  let clamd: TestClamd;
  beforeAll(async () => {
    clamd = await startClamd({ streamMaxLength: 30 * 1024 * 1024 });
  });
  afterAll(() => clamd?.stop());

  it("finds EICAR in a base64 MIME attachment of a whole message", async () => {
    const raw = message({ body: "See attached.", attachment: { name: "report.com", type: "application/octet-stream", bytes: EICAR } });
    expect(raw.includes(EICAR)).toBe(false); // only clamd's own MIME decoding can find it
    expect(await scanWithClamd(clamd.address, raw)).toEqual({ status: "infected", signature: EICAR_SIGNATURE });
  });

  it("passes a clean message, plain or with an attachment", async () => {
    expect(await scanWithClamd(clamd.address, message({ body: "Hello Bob, lunch on Friday?" }))).toEqual({ status: "clean" });
    const pdfish = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(200_000, "stream data ")]);
    expect(await scanWithClamd(clamd.address, message({ body: "The report.", attachment: { name: "report.pdf", type: "application/pdf", bytes: pdfish } }))).toEqual({ status: "clean" });
    expect(await scanWithClamd(clamd.address, new Uint8Array(0))).toEqual({ status: "clean" });
  });

  it("answers error, not clean, for a message larger than StreamMaxLength", async () => {
    const big = Buffer.concat([message({ body: "big" }), Buffer.alloc(clamd.streamMaxLength + 1024 * 1024, "x")]);
    const verdict = await scanWithClamd(clamd.address, big, { timeoutMs: 20_000 });
    expect(verdict.status).toBe("error");
    expect(verdict.status === "error" && verdict.reason).toMatch(/StreamMaxLength/);
    // clamd is still serving afterwards.
    expect(await pingClamd(clamd.address)).toBe(true);
  });

  it("keeps up with parallel scans", async () => {
    const raws = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0 ? message({ body: `bad ${i}`, attachment: { name: "x.zip", type: "application/octet-stream", bytes: EICAR } }) : message({ body: `hello ${i} ${"text ".repeat(10_000)}` }),
    );
    const started = performance.now();
    const verdicts = await Promise.all(raws.map((raw) => scanWithClamd(clamd.address, raw)));
    const ms = performance.now() - started;
    expect(verdicts.filter((v) => v.status === "infected")).toHaveLength(10);
    expect(verdicts.filter((v) => v.status === "clean")).toHaveLength(30);
    console.log(`clamd: 40 messages (~50 KB) scanned in parallel in ${ms.toFixed(0)} ms`);
  });

  it("answers error, not clean, when clamd has stopped", async () => {
    const other = await startClamd();
    expect(await scanWithClamd(other.address, message({ body: "hi" }))).toEqual({ status: "clean" });
    await other.stop();
    const verdict = await scanWithClamd(other.address, message({ body: "hi" }));
    expect(verdict).toEqual({ status: "error", reason: expect.stringMatching(/not listening/) });
    expect(await pingClamd(other.address)).toBe(false);
  });
});

if (clamdMissing) console.warn(`Skipping the real-clamd tests: ${clamdMissing}`);

/** A loopback server standing in for a clamd that misbehaves in one precise way. */
async function brokenClamd(onConnection: (socket: net.Socket) => void, listenOn?: string): Promise<{ close(): Promise<void>; port: number }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  const port = listenOn ? 0 : await freePort();
  await new Promise<void>((resolve) => (listenOn ? server.listen(listenOn, resolve) : server.listen(port, "127.0.0.1", resolve)));
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads an INSTREAM request to its zero-length chunk, then calls back with the bytes streamed. */
function readInstream(socket: net.Socket, onDone: (bytes: Buffer) => void) {
  let buffered = Buffer.alloc(0);
  let command = false;
  const body: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!command) {
      const nul = buffered.indexOf(0);
      if (nul < 0) return;
      expect(buffered.subarray(0, nul).toString()).toBe("zINSTREAM");
      buffered = buffered.subarray(nul + 1);
      command = true;
    }
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length === 0) return onDone(Buffer.concat(body));
      if (buffered.length < 4 + length) return;
      body.push(buffered.subarray(4, 4 + length));
      buffered = buffered.subarray(4 + length);
    }
  });
}

describe("a clamd that misbehaves", () => {
  it("times out on one that never answers", async () => {
    const server = await brokenClamd(() => {});
    const started = performance.now();
    const verdict = await scanWithClamd({ kind: "tcp", host: "127.0.0.1", port: server.port }, Buffer.from("hello"), { timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(verdict).toEqual({ status: "error", reason: expect.stringMatching(/did not answer within 300 ms/) });
    await server.close();
  });

  it("reports a refused connection", async () => {
    const port = await freePort();
    expect(await scanWithClamd({ kind: "tcp", host: "127.0.0.1", port }, Buffer.from("hello"))).toEqual({ status: "error", reason: expect.stringMatching(/not listening/) });
  });

  it("does not take half a reply for an answer", async () => {
    const server = await brokenClamd((socket) => readInstream(socket, () => socket.end("stream: O")));
    expect(await scanWithClamd({ kind: "tcp", host: "127.0.0.1", port: server.port }, Buffer.from("hello"))).toEqual({ status: "error", reason: expect.stringMatching(/mid-reply/) });
    await server.close();
  });

  it("assembles a reply that arrives in pieces, and streams every byte in order (unix socket)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "edgemail-clamd-sock-"));
    const socketPath = path.join(dir, "clamd.sock");
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    let streamed: Buffer | undefined;
    const server = await brokenClamd(
      (socket) =>
        readInstream(socket, (bytes) => {
          streamed = bytes;
          socket.write("stream: Win.Test");
          setTimeout(() => socket.end(".Piece FOUND\0"), 50);
        }),
      socketPath,
    );
    expect(await scanWithClamd(parseClamdAddress(socketPath)!, payload)).toEqual({ status: "infected", signature: "Win.Test.Piece" });
    expect(streamed?.equals(payload)).toBe(true);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports a missing unix socket", async () => {
    expect(await scanWithClamd({ kind: "unix", path: "/nonexistent/clamd.sock" }, Buffer.from("x"))).toEqual({ status: "error", reason: expect.stringMatching(/does not exist/) });
  });
});
