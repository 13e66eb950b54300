// The same load as smtp-load.ts, sent by Postfix's own smtp-source (the Debian postfix package) instead
// of Node: a C client costs the machine a fraction of the CPU, so on a small box the server, not the
// load generator, sets the rate. One smtp-source per recipient, the sessions shared among them, as
// ../shared/peers/smtp-baseline.sh drives Postfix. smtp-source reports no per-message timing, so the
// result has no DATA→250 latencies.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { LoadResult } from "./smtp-load.ts";

export const SMTP_SOURCE = "/usr/sbin/smtp-source";

export function smtpSourceAvailable(): boolean {
  return existsSync(SMTP_SOURCE);
}

export async function runSmtpSource(opts: { port: number; sessions: number; messages: number; recipients: string[]; size: number; perConnection?: boolean }): Promise<LoadResult> {
  const n = opts.recipients.length;
  const perRecipient = Math.floor(opts.messages / n);
  const sessions = Math.max(1, Math.floor(opts.sessions / n));
  const result: LoadResult = { sent: perRecipient * n, accepted: 0, refused: [], seconds: 0, dataToReply: [] };
  const started = performance.now();
  await Promise.all(
    opts.recipients.map(
      (to) =>
        new Promise<void>((resolve) => {
          // -d: keep the connection for the next message (smtp-source's default is one message per connection).
          const flags = [...(opts.perConnection ? [] : ["-d"]), "-4", "-s", String(sessions), "-m", String(perRecipient), "-l", String(opts.size)];
          const child = spawn(SMTP_SOURCE, [...flags, "-S", "bench message", "-f", "bench@sender.test", "-t", to, "-M", "bench.test", `127.0.0.1:${opts.port}`], { stdio: ["ignore", "ignore", "pipe"] });
          let errors = "";
          child.stderr.on("data", (c: Buffer) => (errors += c.toString()));
          child.once("exit", (code) => {
            // smtp-source stops at the first refusal and says so on stderr; what it did not complain of was accepted.
            if (code === 0 && errors === "") result.accepted += perRecipient;
            else result.refused.push(`smtp-source for ${to} exited ${code}: ${errors.trim().split("\n")[0]}`);
            resolve();
          });
        }),
    ),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
