// npm run bench:send [-- --messages 2000 --concurrency 20]
//
// Mail sent through the HTTP API of the whole system as `npm start` runs it (edge under wrangler
// dev, its outgoing queue, the core), delivered over SMTP to a sink on loopback (the transport map).
// Prints the API's accepted msgs/s, delivered msgs/s, and p50/p99 from the 202 to the sink's 250.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { rateLimits } from "../edge/src/rate-limits.ts";
import type { LoginResponse, SendAccepted } from "../shared/api.ts";
import { startSmtpSink } from "../test/support/smtp-sink.ts";
import { startSystem } from "../test/support/system.ts";
import { percentile } from "./smtp-load.ts";

const { values: args } = parseArgs({ options: { messages: { type: "string", default: "2000" }, concurrency: { type: "string", default: "20" } } });
const N = Number(args.messages);
const CONCURRENCY = Number(args.concurrency);
const ROOT = path.resolve(import.meta.dirname, "..");
const sink = await startSmtpSink();
const system = await startSystem({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, SEND_DAILY_LIMIT: String(N * 2), LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn" });
await system.cli("domain", "add", "bench.test");
// The edge allows each user rateLimits.user.limit requests a minute: the messages are spread over
// enough senders that none reaches it (each sender logs in once; the per-IP login limit allows
// rateLimits.login.limit logins a minute, so at most that many senders).
const senders = Math.min(rateLimits.login.limit, Math.ceil(N / (rateLimits.user.limit * 0.8)));
const { edge } = system;
const tokens: string[] = [];
for (let s = 0; s < senders; s++) {
  await system.cli("user", "add", `sender${s}@bench.test`, "--password", "bench password");
  const login = await fetch(`${edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: `sender${s}@bench.test`, password: "bench password" }) });
  tokens.push(((await login.json()) as LoginResponse).token);
}

const acceptedAt = new Map<number, number>();
const apiLatency: number[] = [];
let next = 0;
let refused = 0;
const text = "Quarterly numbers look fine; details below.\n".repeat(100); // ~4.5 KB
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let n = next++; n < N; n = next++) {
      const t0 = performance.now();
      const res = await fetch(`${edge}/api/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens[n % senders]}`, "content-type": "application/json" },
        body: JSON.stringify({ to: [`r${n}@remote.test`], subject: `bench ${n} end`, text }),
      });
      const t1 = performance.now();
      if (res.status !== 202) {
        refused++;
        console.error(`message ${n}: ${res.status} ${await res.text()}`);
        continue;
      }
      (await res.json()) as SendAccepted;
      acceptedAt.set(n, t1);
      apiLatency.push(t1 - t0);
    }
  }),
);
const acceptedSeconds = (performance.now() - started) / 1000;
const deadline = performance.now() + 300_000;
while (sink.messages.length < acceptedAt.size && performance.now() < deadline) await sleep(50);
const deliveredSeconds = (performance.now() - started) / 1000;

const toDelivery: number[] = [];
for (const m of sink.messages) {
  const n = Number(/Subject: bench (\d+) end/.exec(m.raw.toString())?.[1]);
  const at = acceptedAt.get(n);
  if (at !== undefined) toDelivery.push(m.receivedAt - at);
}
const output = system.process.output();
await system.stop();
if (refused > 0) console.error(output.split("\n").filter((l) => /error|Error/.test(l)).slice(0, 20).join("\n"));
mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results/send-system.log"), output);
await sink.close();

const f = (x: number, d = 0) => x.toFixed(d);
console.log(`\nSending through the API (${N} messages of ~4.5 KB from ${senders} senders, ${CONCURRENCY} concurrent clients, 1 recipient each), delivered by SMTP to a sink on loopback; ${acceptedAt.size} accepted, ${refused} refused, ${toDelivery.length} delivered`);
console.log(`  API:       ${f(acceptedAt.size / acceptedSeconds)} msgs/s accepted (202), request p50 ${f(percentile(apiLatency, 50), 1)} ms, p99 ${f(percentile(apiLatency, 99), 1)} ms`);
console.log(`  delivered: ${f(toDelivery.length / deliveredSeconds)} msgs/s end to end`);
console.log(`  202 → remote 250: p50 ${f(percentile(toDelivery, 50))} ms, p99 ${f(percentile(toDelivery, 99))} ms`);
