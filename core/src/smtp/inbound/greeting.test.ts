// The MX greets at once, as Postfix does without postscreen: smtp-server's fixed 100 ms early-talker
// pause cost every connection a tenth of a second (scripts/patch-dependencies.mjs makes it an option).
// An operator who wants the pause back (SMTP_GREETING_PAUSE_MS) gets it, with early talkers refused.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempCore, type TempCore } from "../../../../test/support/temp-core.ts";

/** Connects; resolves with the time to the first reply line and the line, sending `early` first if given. */
function greeting(port: number, early?: string): Promise<{ ms: number; line: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ port, host: "127.0.0.1" }, () => {
      if (early) socket.write(early);
    });
    socket.setEncoding("latin1");
    let text = "";
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\r\n");
      if (end >= 0) {
        resolve({ ms: performance.now() - started, line: text.slice(0, end) });
        socket.destroy();
      }
    });
    socket.on("error", reject);
  });
}

describe("the MX's greeting", () => {
  let core: TempCore;
  let paused: TempCore;

  beforeAll(async () => {
    core = await startTempCore();
    paused = await startTempCore({ SMTP_GREETING_PAUSE_MS: "300" });
  });

  afterAll(async () => {
    await core?.destroy();
    await paused?.destroy();
  });

  it("comes at once by default, without smtp-server's 100 ms pause", async () => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const g = await greeting(core.smtpPort);
      expect(g.line).toMatch(/^220 /);
      times.push(g.ms);
    }
    times.sort((a, b) => a - b);
    // The median of ten: well under the old pause even on a busy machine.
    expect(times[5]).toBeLessThan(60);
  });

  it("waits SMTP_GREETING_PAUSE_MS when the operator asks, and refuses a client that talks first", async () => {
    const g = await greeting(paused.smtpPort);
    expect(g.line).toMatch(/^220 /);
    expect(g.ms).toBeGreaterThanOrEqual(290);
    const early = await greeting(paused.smtpPort, "EHLO bot.example\r\n");
    expect(early.line).toMatch(/^421 .*too soon/);
  });
});
