// npm run bench:realtime [-- --users 20 --clients 100 --messages 400 --sessions 4 --pause 20 --reads 200]
// BENCH_CORE_LOG=file keeps the system's output (with BENCH_CORE_LOG_LEVEL=debug, each pipeline batch's wait, prepare,
// R2, queue and shard times, and each event push's time and the age of its oldest event).
//
// The whole system as `npm start` runs it (core + the edge in Miniflare). `clients` WebSockets across `users`
// users listen on /api/v1/events/ws; mail goes into the core over SMTP at a steady rate, round-robin
// to the users. Prints p50/p99 from each message's SMTP 250 to its message.created event at every
// client of its user, split at the shard's commit (the event's `at`, the core's clock: the same machine's)
// into SMTP 250 → committed and committed → client. Then the edge latency of the first inbox page served by the user's Durable
// Object (the hot head) against the same page through the core (`Cache-Control: no-cache`). Also the CPU
// each message cost, by process, from the load's start until every event arrived.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startSystem } from "../test/support/system.ts";
import { treeCpuByProcess } from "./process-cpu.ts";
import { percentile, runLoad, syntheticMessage } from "./smtp-load.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "20" },
    clients: { type: "string", default: "100" },
    messages: { type: "string", default: "400" },
    sessions: { type: "string", default: "4" },
    pause: { type: "string", default: "20" },
    reads: { type: "string", default: "200" },
  },
});
const USERS = Number(args.users);
const CLIENTS = Number(args.clients);
const MESSAGES = Number(args.messages);
const READS = Number(args.reads);
const ROOT = path.resolve(import.meta.dirname, "..");

const system = await startSystem({ LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn" });
try {
  await system.cli("domain", "add", "bench.test");
  const addresses = Array.from({ length: USERS }, (_, i) => `user${i}@bench.test`);
  const keys: string[] = [];
  for (const address of addresses) {
    await system.cli("user", "add", address, "--password", "bench password");
    // API keys from the operator's CLI: no password logins (and no login rate limit) needed.
    const out = await system.cli("apikey", "create", address, "--name", "bench", "--scopes", "events,mail.read");
    const key = /emk_[a-z0-9-]+_[0-9a-f]{32}_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(out)?.[0];
    if (!key) throw new Error(`no key in: ${out}`);
    keys.push(key);
  }

  // ── 1. SMTP 250 → event at the client ──
  const wsBase = system.edge.replace(/^http/, "ws");
  const arrivals = new Map<number, number[]>(); // message n → arrival times at its user's clients
  const committedAt = new Map<number, number>(); // message n → its shard's commit (epoch ms)
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) => {
      const user = c % USERS;
      return new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${wsBase}/api/v1/events/ws`, ["edgemail.v1", `bearer.${keys[user]}`]);
        ws.addEventListener("message", (e) => {
          const event = JSON.parse(String(e.data)) as { type: string; at?: string; data?: { message?: { subject: string } } };
          if (event.type === "ready") return resolve();
          if (event.type !== "message.created") return;
          const n = Number(/bench message (\d+)/.exec(event.data?.message?.subject ?? "")?.[1]);
          if (Number.isNaN(n)) return;
          arrivals.set(n, [...(arrivals.get(n) ?? []), performance.now()]);
          if (event.at) committedAt.set(n, Date.parse(event.at) - performance.timeOrigin);
        });
        ws.addEventListener("error", () => reject(new Error(`client ${c}: WebSocket error`)));
        sockets.push(ws);
      });
    }),
  );
  console.log(`${CLIENTS} WebSocket clients connected across ${USERS} users`);

  const acceptedAt = new Map<number, number>();
  // CPU per message by process (the core, the edge's workerd, …): on a shared machine the latency moves
  // with the neighbours, the CPU spent on each message much less.
  const cpuBefore = treeCpuByProcess([system.process.process.pid!]);
  const load = await runLoad({
    port: system.smtpPort,
    sessions: Number(args.sessions),
    messages: MESSAGES,
    pauseMs: Number(args.pause),
    recipient: (n) => addresses[n % USERS]!,
    message: (n) => syntheticMessage(n, 5 * 1024, addresses[n % USERS]!),
    onAccepted: (n, at) => acceptedAt.set(n, at),
  });
  const clientsOf = (n: number) => Math.floor(CLIENTS / USERS) + ((n % USERS) < CLIENTS % USERS ? 1 : 0);
  const expected = [...acceptedAt.keys()].reduce((sum, n) => sum + clientsOf(n), 0);
  const deadline = performance.now() + 60_000;
  const received = () => [...arrivals.values()].reduce((sum, list) => sum + list.length, 0);
  while (received() < expected && performance.now() < deadline) await sleep(50);
  const cpuPerMessage: Record<string, number> = {};
  for (const [proc, ms] of treeCpuByProcess([system.process.process.pid!])) {
    const spent = (ms - (cpuBefore.get(proc) ?? 0)) / Math.max(1, load.accepted);
    const name = proc.replace(/^\d+ /, "");
    if (spent >= 0.05) cpuPerMessage[name] = Math.round(((cpuPerMessage[name] ?? 0) + spent) * 100) / 100;
  }
  const latencies: number[] = [];
  for (const [n, at] of acceptedAt) for (const t of arrivals.get(n) ?? []) latencies.push(t - at);
  const toCommit: number[] = [];
  const commitToClient: number[] = [];
  for (const [n, at] of acceptedAt) {
    const committed = committedAt.get(n);
    if (committed === undefined) continue;
    toCommit.push(committed - at);
    for (const t of arrivals.get(n) ?? []) commitToClient.push(t - committed);
  }
  const p = (values: number[], q: number) => Math.round(percentile(values, q) * 10) / 10;
  for (const ws of sockets) ws.close(1000);

  // ── 2. The first inbox page: hot head in the Durable Object vs the core ──
  const timeReads = async (fresh: boolean) => {
    const times: number[] = [];
    const servedBy = new Set<string>();
    for (let i = 0; i < READS; i++) {
      const t0 = performance.now();
      const res = await fetch(`${system.edge}/api/v1/folders/inbox/messages?limit=50`, {
        headers: { authorization: `Bearer ${keys[i % USERS]}`, ...(fresh ? { "cache-control": "no-cache" } : {}) },
      });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`inbox page: ${res.status}`);
      servedBy.add(res.headers.get("x-edgemail-served-by") ?? "?");
    }
    return { times, servedBy: [...servedBy].join(",") };
  };
  await timeReads(false); // warm: every user's head loaded once
  await timeReads(true);
  const hub = await timeReads(false);
  const core = await timeReads(true);

  const result = {
    users: USERS,
    clients: CLIENTS,
    messages: { sent: load.sent, accepted: load.accepted, perSecond: Math.round(load.accepted / load.seconds) },
    smtp250ToEvent: {
      expectedDeliveries: expected,
      received: latencies.length,
      p50ms: Math.round(percentile(latencies, 50) * 10) / 10,
      p99ms: Math.round(percentile(latencies, 99) * 10) / 10,
      maxms: Math.round(Math.max(...latencies)),
      // The event's `at` has millisecond precision: each half is ±1 ms.
      smtp250ToCommit: { p50ms: p(toCommit, 50), p99ms: p(toCommit, 99) },
      commitToClient: { p50ms: p(commitToClient, 50), p99ms: p(commitToClient, 99) },
      cpuMsPerMessage: { total: Math.round(Object.values(cpuPerMessage).reduce((a, b) => a + b, 0) * 100) / 100, ...cpuPerMessage },
    },
    inboxFirstPage: {
      hub: { servedBy: hub.servedBy, p50ms: +percentile(hub.times, 50).toFixed(2), p99ms: +percentile(hub.times, 99).toFixed(2) },
      core: { servedBy: core.servedBy, p50ms: +percentile(core.times, 50).toFixed(2), p99ms: +percentile(core.times, 99).toFixed(2) },
      coreOverHubP50: +(percentile(core.times, 50) / percentile(hub.times, 50)).toFixed(2),
    },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results", `realtime-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(result, null, 2));
} finally {
  if (process.env.BENCH_CORE_LOG) writeFileSync(process.env.BENCH_CORE_LOG, system.process.output());
  await system.stop();
}
