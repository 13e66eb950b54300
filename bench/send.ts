// npm run bench:send [-- --submission --api --peer --messages 4000 --sessions 20 --size 5120 --runs 3]
//
// Sending, end to end: each message counted when the remote MTA (a sink on loopback, the transport
// map's target) has answered its 250. Modes (none given: --api):
//   --submission  our whole system as `npm start` runs it, mail submitted over SMTP (port 587's
//                 service, AUTH PLAIN): `sessions` mail apps side by side, each signed in as its own
//                 user on one connection that it reuses for all its messages, MAIL/RCPT/DATA pipelined
//   --api         the same system, mail sent with POST /api/v1/messages through the edge
//   --peer        Postfix as a relay (bench/peers/postfix-relay.sh: mynetworks, relayhost = the same
//                 sink) driven by the same SMTP load generator; implies --submission, and prints the
//                 ratios of our figures to Postfix's of the same sitting.
// Each run does every mode once, back to back (Postfix first); the figures of every run are printed,
// then the medians, with the CPU each side spent per message (our core's process tree, Postfix's
// master's with the processes it reaped): on a shared machine the rate moves with the neighbours'
// load, the CPU per message much less. Before the runs the sink alone is driven with the same load, to show it is not
// what limits either side.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { rateLimits } from "../edge/src/rate-limits.ts";
import type { LoginResponse } from "../shared/api.ts";
import { startSmtpSink, type SmtpSink } from "../test/support/smtp-sink.ts";
import { startSystem, type System } from "../test/support/system.ts";
import { treeCpuMs } from "./process-cpu.ts";
import { percentile, runLoad } from "./smtp-load.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "4000" },
    sessions: { type: "string", default: "20" },
    size: { type: "string", default: "5120" },
    runs: { type: "string", default: "1" },
    submission: { type: "boolean", default: false },
    api: { type: "boolean", default: false },
    peer: { type: "boolean", default: false },
    /** The peer's SMTP port (bench/peers/postfix-relay.sh). */
    "peer-port": { type: "string", default: "2645" },
  },
});
const N = Number(args.messages);
const SESSIONS = Number(args.sessions);
const SIZE = Number(args.size);
const RUNS = Number(args.runs);
const ROOT = path.resolve(import.meta.dirname, "..");
const RELAY = path.join(ROOT, "bench/peers/postfix-relay.sh");
/** The relay's master process (its queue directory, as bench/peers/postfix-relay.sh sets it up). */
const relayMaster = () => Number(readFileSync(path.join(process.env.PEERS ?? "/tmp/edgemail-relay-peer", "postfix/spool/pid/master.pid"), "utf8").trim());
const PASSWORD = "bench password";
type Mode = "postfix relay" | "ours, submission" | "ours, API";
const modes: Mode[] = [
  ...(args.peer ? (["postfix relay"] as const) : []),
  ...(args.submission || args.peer ? (["ours, submission"] as const) : []),
  ...(args.api || !(args.submission || args.peer) ? (["ours, API"] as const) : []),
];

interface Round {
  mode: Mode | "sink alone";
  run: number;
  accepted: number;
  refused: number;
  delivered: number;
  acceptedPerSec: number;
  deliveredPerSec: number;
  /** From the sender's 250 (202 for the API) to the sink's 250, ms. */
  p50: number;
  p99: number;
  /** CPU of the side's process tree per delivered message, ms (null for the sink alone). */
  cpuMsPerMsg: number | null;
}
const rounds: Round[] = [];

/** A plain text message of `SIZE` bytes from `from` to `to`; `tag` in the subject finds it at the sink. */
function message(from: string, to: string, tag: string): Buffer {
  const head =
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: bench ${tag} end\r\nDate: ${new Date().toUTCString()}\r\n` +
    `Message-ID: <${tag}@bench.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = "Quarterly numbers look fine; the details are below, as agreed.\r\n";
  return Buffer.from(head + line.repeat(Math.max(1, Math.floor((SIZE - head.length) / line.length))));
}

const tagOf = (raw: Buffer) => /Subject: bench (\S+) end/.exec(raw.subarray(0, 2000).toString("latin1"))?.[1];

/** Waits until the sink has every message of `tags`; returns the time of the last one's 250 and the
 * sender-250 → sink-250 latencies. */
async function delivered(sink: SmtpSink, acceptedAt: Map<string, number>, startedAt: number) {
  const deadline = performance.now() + 600_000;
  const seen = () => sink.messages.filter((m) => acceptedAt.has(tagOf(m.raw) ?? "")).length;
  while (seen() < acceptedAt.size && performance.now() < deadline) await sleep(20);
  let last = startedAt;
  const latencies: number[] = [];
  for (const m of sink.messages) {
    const at = acceptedAt.get(tagOf(m.raw) ?? "");
    if (at === undefined) continue;
    latencies.push(m.receivedAt - at);
    last = Math.max(last, m.receivedAt);
  }
  return { count: latencies.length, seconds: (last - startedAt) / 1000, latencies };
}

/** One round of the SMTP load against `port`: session `s` sends as sender`s`@bench.test. */
async function smtpRound(mode: Round["mode"], run: number, sink: SmtpSink, port: number, auth: boolean, cpuRoots: number[] = []): Promise<void> {
  sink.messages.length = 0;
  const cpu0 = treeCpuMs(cpuRoots);
  const acceptedAt = new Map<string, number>();
  const tag = (n: number) => `r${run}-${mode.replace(/\W/g, "")}-${n}`;
  const t0 = performance.now();
  const load = await runLoad({
    port,
    sessions: SESSIONS,
    messages: N,
    from: (_n, s) => `sender${s}@bench.test`,
    recipient: (n) => `r${n}@remote.test`,
    message: (n, s) => message(`sender${s}@bench.test`, `r${n}@remote.test`, tag(n)),
    onAccepted: (n, at) => acceptedAt.set(tag(n), at),
    ...(auth ? { auth: (s: number) => ({ user: `sender${s}@bench.test`, pass: PASSWORD }) } : {}),
  });
  if (load.refused.length) console.error(`${mode} run ${run}: ${load.refused.length} refused, e.g. ${load.refused[0]}`);
  const d = await delivered(sink, acceptedAt, t0);
  record(mode, run, load.accepted, load.refused.length, load.seconds, d, cpuRoots.length > 0 ? (treeCpuMs(cpuRoots) - cpu0) / d.count : null);
}

/** One round through the HTTP API: `senders` users (the edge limits requests per user a minute).
 * The client is undici's Pool (keep-alive, one connection per session), the lean client of Node's
 * own HTTP stack: its WHATWG fetch spends about twice the CPU per request (1.0–1.5 ms against
 * 0.45–0.65 ms for a 5 KB send, measured 2026-12-07), and on this machine the load generator's CPU is
 * taken from the system it measures, as smtp-source's is from Postfix. */
async function apiRound(run: number, sink: SmtpSink, system: System, tokens: string[]): Promise<void> {
  sink.messages.length = 0;
  const acceptedAt = new Map<string, number>();
  const text = message("x@bench.test", "y@remote.test", "x").toString().split("\r\n\r\n")[1]!;
  let next = 0;
  let refused = 0;
  const pool = new Pool(system.edge, { connections: SESSIONS });
  const cpu0 = treeCpuMs([system.process.process.pid!]);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      for (let n = next++; n < N; n = next++) {
        const tag = `r${run}-api-${n}`;
        const res = await pool.request({
          path: "/api/v1/messages",
          method: "POST",
          headers: { authorization: `Bearer ${tokens[n % tokens.length]}`, "content-type": "application/json" },
          body: JSON.stringify({ to: [`r${n}@remote.test`], subject: `bench ${tag} end`, text }),
        });
        const t1 = performance.now();
        if (res.statusCode !== 202) {
          if (refused++ === 0) console.error(`API run ${run}, message ${n}: ${res.statusCode} ${await res.body.text()}`);
          else await res.body.dump();
          continue;
        }
        await res.body.dump();
        acceptedAt.set(tag, t1);
      }
    }),
  );
  const acceptedSeconds = (performance.now() - t0) / 1000;
  await pool.close();
  const d = await delivered(sink, acceptedAt, t0);
  record("ours, API", run, acceptedAt.size, refused, acceptedSeconds, d, (treeCpuMs([system.process.process.pid!]) - cpu0) / d.count);
}

function record(mode: Round["mode"], run: number, accepted: number, refused: number, acceptedSeconds: number, d: { count: number; seconds: number; latencies: number[] }, cpuMsPerMsg: number | null) {
  const round = {
    mode,
    run,
    accepted,
    refused,
    delivered: d.count,
    acceptedPerSec: accepted / acceptedSeconds,
    deliveredPerSec: d.count / d.seconds,
    p50: percentile(d.latencies, 50),
    p99: percentile(d.latencies, 99),
    cpuMsPerMsg,
  };
  rounds.push(round);
  console.log(`${mode} run ${run}: ${f(round.acceptedPerSec)} accepted/s, ${f(round.deliveredPerSec)} delivered/s (${d.count}/${accepted}), 250 → remote 250 p50 ${f(round.p50)} ms p99 ${f(round.p99)} ms${cpuMsPerMsg === null ? "" : `, CPU ${f(cpuMsPerMsg, 2)} ms/msg`}`);
}

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const median = (xs: number[]) => percentile(xs, 50);

const sink = await startSmtpSink({ greetAtOnce: true });
let system: System | null = null;
let peerStarted = false;
try {
  // The sink alone, with the same load: the ceiling of what it can count.
  await smtpRound("sink alone", 0, sink, sink.port, false);

  if (modes.includes("postfix relay")) {
    execFileSync("bash", [RELAY, "start"], { env: { ...process.env, SINK_PORT: String(sink.port), SMTP_PORT: args["peer-port"] }, stdio: "inherit" });
    peerStarted = true;
    execFileSync("bash", [RELAY, "flush-queue"], { stdio: "inherit" });
  }
  const senders = Array.from({ length: Math.max(SESSIONS, rateLimits.login.limit) }, (_, s) => `sender${s}@bench.test`);
  const tokens: string[] = [];
  if (modes.some((m) => m.startsWith("ours"))) {
    system = await startSystem({ TRANSPORT_MAP: `remote.test=127.0.0.1:${sink.port}`, SEND_DAILY_LIMIT: String(N * RUNS * 2), LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn" });
    await system.cli("domain", "add", "bench.test");
    for (const address of senders) await system.cli("user", "add", address, "--password", PASSWORD);
    if (modes.includes("ours, API")) {
      // The edge allows each user rateLimits.user.limit requests a minute and each IP rateLimits.login.limit
      // logins a minute: enough senders that none reaches the first, no more than the second allows.
      const count = Math.min(rateLimits.login.limit, Math.ceil(N / (rateLimits.user.limit * 0.8)));
      for (const address of senders.slice(0, count)) {
        const login = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address, password: PASSWORD }) });
        tokens.push(((await login.json()) as LoginResponse).token);
      }
    }
  }

  let lastApiRound = -Infinity;
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of modes) {
      if (mode === "postfix relay") await smtpRound(mode, run, sink, Number(args["peer-port"]), false, [relayMaster()]);
      else if (mode === "ours, submission") await smtpRound(mode, run, sink, system!.submissionPort, true, [system!.process.process.pid!]);
      else {
        // The senders' request budgets are per minute: a new round waits until they are whole again.
        const wait = lastApiRound + (rateLimits.user.period + 1) * 1000 - performance.now();
        if (wait > 0) await sleep(wait);
        lastApiRound = performance.now();
        await apiRound(run, sink, system!, tokens);
      }
    }
  }
} finally {
  if (system) {
    const output = system.process.output();
    await system.stop();
    mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(path.join(ROOT, "bench/results/send-system.log"), output);
  }
  if (peerStarted) execFileSync("bash", [RELAY, "stop"], { stdio: "inherit" });
  await sink.close();
}

const cores = readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)!.length;
console.log(`\nSending ${N} messages of ${SIZE} bytes, ${SESSIONS} sessions (SMTP: one connection per session, reused), 1 recipient each, to a sink on loopback; ${cores} cores, everything on this machine`);
console.log("mode               run  accepted/s  delivered/s  250→remote 250 p50     p99   CPU ms/msg");
for (const r of rounds) {
  console.log(`${r.mode.padEnd(18)} ${String(r.run).padStart(3)}  ${f(r.acceptedPerSec).padStart(10)}  ${f(r.deliveredPerSec).padStart(11)}  ${f(r.p50).padStart(13)} ms  ${f(r.p99).padStart(6)} ms  ${r.cpuMsPerMsg === null ? "" : f(r.cpuMsPerMsg, 2).padStart(10)}${r.refused ? `  (${r.refused} refused)` : ""}${r.delivered < r.accepted ? `  (${r.accepted - r.delivered} not delivered)` : ""}`);
}
const medianOf = (mode: Mode) => median(rounds.filter((r) => r.mode === mode).map((r) => r.deliveredPerSec));
console.log("\nmedian delivered/s: " + modes.map((m) => `${m} ${f(medianOf(m))}`).join(", "));
const cpuOf = (mode: Mode) => median(rounds.filter((r) => r.mode === mode && r.cpuMsPerMsg !== null).map((r) => r.cpuMsPerMsg!));
console.log("median CPU per message: " + modes.map((m) => `${m} ${f(cpuOf(m), 2)} ms`).join(", "));
if (modes.includes("postfix relay")) {
  for (const m of modes.filter((m) => m !== "postfix relay")) {
    const ratios = rounds.filter((r) => r.mode === m).map((r) => r.deliveredPerSec / rounds.find((p) => p.mode === "postfix relay" && p.run === r.run)!.deliveredPerSec);
    console.log(`${m} ÷ postfix relay: ${ratios.map((x) => f(x, 2) + "×").join(", ")} (median ratio ${f(median(ratios), 2)}×; ratio of the medians ${f(medianOf(m) / medianOf("postfix relay"), 2)}×)`);
  }
}
mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results", `send-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(rounds, null, 2));
