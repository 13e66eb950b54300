// A real ClamAV daemon for tests (Debian's clamav-daemon), on a free loopback port with its own
// temporary config and a one-signature database: the EICAR test marker. Nothing is downloaded (no
// freshclam), so it starts offline in about a second.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ClamdAddress } from "../../core/src/clamd-address.ts";
import { pingClamd } from "../../core/src/virus/clamd.ts";
import { freePort } from "./process.ts";

/** The EICAR anti-virus test file's 68 bytes, built from two halves so that this source file is not
 * itself reported by a scanner on a developer's machine. */
export const EICAR = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*", "latin1");

/** The name clamd reports for it: our signature name plus the ".UNOFFICIAL" clamd adds to local ones. */
export const EICAR_SIGNATURE = "Eicar-Test-Signature.UNOFFICIAL";

/** Where clamd is installed (Debian puts it in /usr/sbin, often not on a test runner's PATH), or null. */
export const clamdBinary: string | null =
  [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/local/sbin"].map((dir) => path.join(dir, "clamd")).find((file) => existsSync(file)) ?? null;

export const clamdMissing = clamdBinary === null ? "clamd is not installed (apt-get install clamav-daemon; .ci/run does it)" : null;

export interface TestClamd {
  address: ClamdAddress;
  /** The StreamMaxLength it was started with, in bytes. */
  streamMaxLength: number;
  stop(): Promise<void>;
}

export async function startClamd(options: { streamMaxLength?: number } = {}): Promise<TestClamd> {
  if (!clamdBinary) throw new Error(clamdMissing!);
  const streamMaxLength = options.streamMaxLength ?? 30 * 1024 * 1024;
  const dir = await mkdtemp(path.join(os.tmpdir(), "edgemail-clamd-"));
  const db = path.join(dir, "db");
  await mkdir(db);
  // A .ndb line is Name:TargetType:Offset:HexSignature; type 0 and offset * match anywhere in any file,
  // including a MIME part clamd has decoded from base64.
  await writeFile(path.join(db, "edgemail-test.ndb"), `Eicar-Test-Signature:0:*:${EICAR.toString("hex")}\n`);
  const port = await freePort();
  const config = path.join(dir, "clamd.conf");
  await writeFile(
    config,
    [
      "Foreground yes",
      `TCPSocket ${port}`,
      "TCPAddr 127.0.0.1",
      `DatabaseDirectory ${db}`,
      `StreamMaxLength ${streamMaxLength}`,
      // No bytecode.cvd here, and without this clamd would look for one.
      "Bytecode no",
      "LogTime no",
      "",
    ].join("\n"),
  );
  const child = spawn(clamdBinary, ["--config-file", config], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const address: ClamdAddress = { kind: "tcp", host: "127.0.0.1", port };
  const stop = () => stopChild(child, exited).then(() => rm(dir, { recursive: true, force: true }));

  const deadline = Date.now() + 30_000;
  while (!(await pingClamd(address, { timeoutMs: 500 }))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`clamd did not answer PING on 127.0.0.1:${port}; its output:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address, streamMaxLength, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
