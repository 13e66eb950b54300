// npm run bench:ingest [-- --small 5000 --large 1500 --corpus 6046 --sessions 20 --per-connection --system --cores 2 --smtp-source --peer --blobs s3 --shards sqld]
//
// Mail in over SMTP at 5 KB, 50 KB and real corpus messages, against a core started as a process of
// its own (as in production). Prints accepted msgs/s, filed msgs/s (visible through the core API the
// edge reads), p50/p99 from DATA to 250, and the core's peak RSS. With --peer it also drives Postfix →
// LMTP → Dovecot (bench/peers/postfix-dovecot.sh, on port 2535; Debian's postfix and dovecot packages,
// installed by the script when missing) with the same load generator and prints the ratio. With
// --blobs s3 the core keeps blobs in s3rver (started here, on loopback, behind its SigV4 check:
// test/support/s3-server.ts) through the S3 API, as it would in R2, instead of the local emulator.
// With --shards sqld the core runs twice in the same sitting: on its embedded `file:` shards, then on sqld
// (a primary and a replica per shard and for the directory, core/src/local-sqld.ts); the CPU column
// then counts the sqld servers too, and their peak RSS is printed apart from the core's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { signRequest } from "../shared/signing.ts";
import { createUser } from "../core/src/mailbox/accounts.ts";
import { Directory } from "../core/src/store/directory.ts";
import { Shards } from "../core/src/store/shards.ts";
import { startLocalSqldStores, type LocalSqldStores } from "../core/src/local-sqld.ts";
import { corpusFiles, readCorpusMessage } from "../test/support/corpus.ts";
import { startDnsServer } from "../test/support/dns-server.ts";
import { freePort, startChild } from "../test/support/process.ts";
import { startS3Server } from "../test/support/s3-server.ts";
import { descendants } from "../test/support/process-tree.ts";
import { startSystem } from "../test/support/system.ts";
import { TEST_SECRET, testConfig } from "../test/support/temp-core.ts";
import { CORE_ENV, CORE_NODE_FLAGS } from "../core/src/heap-limits.ts";
import { percentile, runLoad, syntheticMessage, type LoadResult } from "./smtp-load.ts";
import { treeCpuByProcess, treeCpuMs } from "./process-cpu.ts";
import { runSmtpSource, smtpSourceAvailable } from "./smtp-source-load.ts";

const { values: args } = parseArgs({
  options: {
    small: { type: "string", default: "5000" },
    large: { type: "string", default: "1500" },
    corpus: { type: "string", default: "6046" },
    sessions: { type: "string", default: "20" },
    peer: { type: "boolean", default: false },
    /** A new connection for every message, as most MTAs deliver (default: connections reused). */
    "per-connection": { type: "boolean", default: false },
    /** The whole system as npm start runs it, counted through the edge (default: a core process alone). */
    system: { type: "boolean", default: false },
    /** Send with Postfix's smtp-source (a C client, lighter on a small machine) instead of Node; 5 and 50 KB only. */
    "smtp-source": { type: "boolean", default: false },
    /** Where the core keeps blobs: local (the R2 emulator, the default) or s3 (s3rver through the S3 API). */
    blobs: { type: "string", default: "local" },
    /** --system: how many core processes the region runs (CORES=…, one SMTP port shared by all). */
    cores: { type: "string", default: "1" },
    /** file (the embedded default) or sqld: the core on sqld servers, beside a run on files. */
    shards: { type: "string", default: "file" },
  },
});
if (args.blobs !== "local" && args.blobs !== "s3") throw new Error(`--blobs is local or s3, not ${args.blobs}`);
/** The core's blob settings: BLOB_STORE=s3 and s3rver's, or nothing (the default, local). */
async function blobEnv(): Promise<{ env: Record<string, string>; close: () => Promise<void> }> {
  if (args.blobs !== "s3") return { env: {}, close: async () => {} };
  const s3 = await startS3Server("edgemail-blobs");
  return { env: s3.env, close: () => s3.close() };
}
// The core measured as `npm start` and `npm run core` start it: with the core's environment and Node
// flags (before any CHILD_NODE_ARGS given for a diagnosis, which may override them).
process.env.CHILD_NODE_ARGS = [...CORE_NODE_FLAGS, process.env.CHILD_NODE_ARGS ?? ""].join(" ").trim();
for (const [name, value] of Object.entries(CORE_ENV)) process.env[name] ??= value;
const SESSIONS = Number(args.sessions);
const ROOT = path.resolve(import.meta.dirname, "..");
const USERS = ["u0", "u1", "u2", "u3"].map((u) => `${u}@bench.test`);

interface Row {
  target: string;
  scenario: string;
  messages: number;
  acceptedPerSec: number;
  filedPerSec: number;
  p50: number;
  p99: number;
  /** The core process's (not its emulator's or the edge's). */
  peakRssMiB: number | null;
  blobs: string;
  /** CPU the server's processes spent per message filed (ms), from /proc. */
  cpuMsPerMsg: number | null;
  refused: number;
  /** How the load was sent, so a reader of the file (npm run capacity) can tell the runs apart. */
  connection: "per-message" | "reused";
  client: "smtp-source" | "node";
  /** Processors of the machine that measured it (client and servers share them). */
  cpus: number;
}

const rows: Row[] = [];
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "–");

/** The core processes at `pid`: itself, and the region's other cores it started (CORES=2 …). */
function corePids(pid: number): number[] {
  const cmdline = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8");
    } catch {
      return "";
    }
  };
  return [pid, ...descendants(pid).filter((p) => cmdline(p.pid).includes("core/src/main.ts")).map((p) => p.pid)];
}

/** The highest peak RSS of the core processes at `pid` (each core's own is printed with --cores). */
function peakRss(pid: number): number {
  const peaks = corePids(pid).map((p) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))![1]) / 1024);
  if (peaks.length > 1) console.error(`  peak RSS per core: ${peaks.map((m) => `${m.toFixed(0)} MiB`).join(", ")}`);
  return Math.max(...peaks);
}

/** The core processes' RSS now (MiB), each: before a load, what the core holds idle. */
function currentRss(pid: number): number[] {
  return corePids(pid).map((p) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))![1]) / 1024);
}

function resetPeakRss(pid: number): void {
  for (const p of corePids(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, "5");
    } catch {
      // not permitted here: the peak then covers the whole run
    }
  }
}

async function benchCore(shardServer: "file" | "sqld"): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-bench-"));
  const sqld: LocalSqldStores | null = shardServer === "sqld" ? await startLocalSqldStores(path.join(dataDir, "sqld"), testConfig(dataDir).shards.map((s) => s.name)) : null;
  const config = testConfig(dataDir, sqld?.env);
  const directory = await Directory.open(config.directoryUrl, undefined, config.directoryReplicaUrl);
  const shards = await Shards.open(config.shards);
  await directory.addDomain("bench.test");
  const users: { id: string }[] = [];
  for (const address of USERS) users.push(await createUser({ directory, shards }, { address, password: "bench password", quotaBytes: 1024 ** 4, region: "local" }));
  shards.close();
  directory.close();

  const [smtpPort, apiPort] = [await freePort(), await freePort()];
  const blobs = await blobEnv();
  const core = startChild([path.join(ROOT, "core/src/main.ts")], {
    ...blobs.env,
    DNS_SERVERS: await senderDns(),
    DATA_DIR: dataDir,
    SMTP_PORT: String(smtpPort),
    API_PORT: String(apiPort),
    // Not used here; an ephemeral port, so that a system running beside the bench does not stop it.
    SUBMISSION_PORT: "0",
    INTERNAL_SIGNING_SECRET: TEST_SECRET,
    LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn",
    MAX_MESSAGE_BYTES: "50M",
    ...sqld?.env,
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).ok) break;
    } catch {
      if (i > 600 || core.process.exitCode !== null) throw new Error(`the core did not start:\n${core.output()}`);
      await sleep(100);
    }
  }
  const pid = core.process.pid!;

  // What the edge would see: each user's message count, read through the signed internal API.
  const filedCount = async () => {
    let total = 0;
    for (const u of users) {
      const p = `/internal/v1/users/${u.id}/account`;
      const headers = await signRequest(TEST_SECRET, `http://127.0.0.1:${apiPort}`, { method: "GET", pathAndQuery: p, body: "" });
      total += ((await (await fetch(`http://127.0.0.1:${apiPort}${p}`, { headers })).json()) as { quota: { messages: number } }).quota.messages;
    }
    return total;
  };

  const sqldPids = sqld ? [...sqld.pairs.values()].flatMap((p) => [p.primary.pid, p.replica.pid]) : [];
  await scenarios(sqld ? "core, sqld" : "edgemail core", smtpPort, filedCount, pid, sqldPids);

  core.kill("SIGTERM");
  await core.exited;
  if (sqld) {
    // VmHWM of each server over the whole run (they are not reset per scenario).
    const rss = sqldPids.map(peakRss);
    console.error(`sqld servers (${rss.length}): peak RSS ${fmt(rss.reduce((a, b) => a + b, 0))} MiB together, ${fmt(Math.max(...rss))} MiB the largest`);
    await sqld.stop();
  }
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results/ingest-core.log"), core.output());
  await blobs.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** The three loads against `smtpPort`, each counted as filed once `filedCount` has grown by what was accepted. */
async function scenarios(target: string, smtpPort: number, filedCount: () => Promise<number>, pid: number, alsoCpuOf: number[] = []): Promise<void> {
  const scenario = async (name: string, count: number, message: (n: number) => Buffer, size?: number) => {
    if (count <= 0) return;
    const before = await filedCount();
    resetPeakRss(pid);
    console.error(`  ${target} ${name}: core RSS before the load ${currentRss(pid).map((m) => `${m.toFixed(0)} MiB`).join(", ")}`);
    const cpu0 = treeCpuMs([pid, ...alsoCpuOf]);
    const detail0 = treeCpuByProcess([pid, ...alsoCpuOf]);
    const t0 = performance.now();
    const load = await sendLoad(smtpPort, USERS, count, message, size);
    let filed = before;
    while (filed - before < load.accepted) {
      await sleep(20);
      filed = await filedCount();
    }
    const filedSeconds = (performance.now() - t0) / 1000;
    push(target, name, load, load.accepted / filedSeconds, peakRss(pid), (treeCpuMs([pid, ...alsoCpuOf]) - cpu0) / load.accepted);
    if (process.env.BENCH_CPU_DETAIL) {
      for (const [proc, ms] of treeCpuByProcess([pid, ...alsoCpuOf])) {
        const spent = ms - (detail0.get(proc) ?? 0);
        if (spent > 0) console.error(`  cpu ${name} ${proc}: ${(spent / load.accepted).toFixed(2)} ms/msg`);
      }
    }
  };

  await scenario("5 KB", Number(args.small), (n) => syntheticMessage(n, 5 * 1024, USERS[n % USERS.length]!), 5 * 1024);
  await scenario("50 KB", Number(args.large), (n) => syntheticMessage(n, 50 * 1024, USERS[n % USERS.length]!), 50 * 1024);
  const files = corpusFiles().slice(0, Number(args.corpus));
  const corpus = files.map((f) => readCorpusMessage(f).raw);
  if (corpus.length) await scenario(`corpus (${corpus.length} msgs, avg ${fmt(corpus.reduce((s, m) => s + m.length, 0) / corpus.length / 1024, 1)} KB)`, corpus.length, (n) => corpus[n]!);
}

if (args["smtp-source"] && !smtpSourceAvailable()) throw new Error("--smtp-source needs /usr/sbin/smtp-source (Debian package postfix)");

/** One load, from the client chosen on the command line; smtp-source makes its own messages of `size` bytes. */
function sendLoad(port: number, recipients: string[], count: number, message: (n: number) => Buffer, size?: number): Promise<LoadResult> {
  if (args["smtp-source"] && size !== undefined) return runSmtpSource({ port, sessions: SESSIONS, messages: count, recipients, size, perConnection: args["per-connection"] });
  return runLoad({ port, sessions: SESSIONS, messages: count, recipient: (n) => recipients[n % recipients.length]!, message, perConnection: args["per-connection"] });
}

/** The SPF and DMARC of the load's sender, on a DNS server on loopback (as a resolver near the MX answers). */
async function senderDns(): Promise<string> {
  const dns = await startDnsServer({ "sender.test": { TXT: ["v=spf1 ip4:127.0.0.1 -all"] }, "_dmarc.sender.test": { TXT: ["v=DMARC1; p=none"] } });
  dns.unref();
  return dns.address;
}

/** --system: the whole system as `npm start` runs it, every message counted once the edge's API shows it
 * (GET /api/v1/account of each user, through the edge to the core). RSS is the core's process (the
 * edge is wrangler's, beside it). */
async function benchSystem(shardServer: "file" | "sqld"): Promise<void> {
  const blobs = await blobEnv();
  const system = await startSystem({ ...blobs.env, SHARD_SERVER: shardServer, CORES: args.cores!, DNS_SERVERS: await senderDns(), LOG_LEVEL: process.env.BENCH_CORE_LOG_LEVEL ?? "warn", MAX_MESSAGE_BYTES: "50M" });
  try {
    await system.cli("domain", "add", "bench.test");
    const tokens: string[] = [];
    for (const address of USERS) {
      await system.cli("user", "add", address, "--password", "bench password", "--quota", "100G");
      const login = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address, password: "bench password" }) });
      tokens.push(((await login.json()) as { token: string }).token);
    }
    const filedCount = async () => {
      let total = 0;
      for (const token of tokens) {
        const account = await fetch(`${system.edge}/api/v1/account`, { headers: { authorization: `Bearer ${token}`, "cache-control": "no-cache" } });
        total += ((await account.json()) as { quota: { messages: number } }).quota.messages;
      }
      return total;
    };
    await scenarios(`edgemail ${args.cores === "1" ? "system" : `${args.cores} cores`}${shardServer === "sqld" ? " sqld" : ""}`, system.smtpPort, filedCount, system.process.process.pid!);
  } finally {
    await system.stop();
    await blobs.close();
  }
}

function push(target: string, scenario: string, load: LoadResult, filedPerSec: number, rss: number | null, cpuMsPerMsg: number | null): void {
  rows.push({
    target,
    scenario,
    messages: load.sent,
    acceptedPerSec: load.accepted / load.seconds,
    filedPerSec,
    p50: percentile(load.dataToReply, 50),
    p99: percentile(load.dataToReply, 99),
    peakRssMiB: rss,
    blobs: args.blobs!,
    cpuMsPerMsg,
    refused: load.refused.length,
    connection: args["per-connection"] ? "per-message" : "reused",
    // smtp-source sends the synthetic sizes only; the corpus always goes through Node.
    client: args["smtp-source"] && !scenario.startsWith("corpus") ? "smtp-source" : "node",
    cpus: availableParallelism(),
  });
  if (load.refused.length) console.error(`${target} ${scenario}: ${load.refused.length} refused, e.g. ${load.refused[0]}`);
}

async function benchPostfix(): Promise<void> {
  const setup = path.join(ROOT, "bench/peers/postfix-dovecot.sh");
  const env = { ...process.env, SMTP_PORT: "2535" };
  execFileSync("bash", [setup, "setup"], { env, stdio: "inherit" });
  execFileSync("bash", [setup, "wipe-mail"], { env, stdio: "inherit" });
  const peerUsers = ["alice", "bob", "carol", "dave"].map((u) => `${u}@example.test`);
  const delivered = () =>
    peerUsers.reduce((n, u) => {
      const dir = `/tmp/peers/mail/example.test/${u.split("@")[0]}/Maildir`;
      return n + ["new", "cur"].reduce((m, sub) => m + (existsSync(`${dir}/${sub}`) ? readdirSync(`${dir}/${sub}`).length : 0), 0);
    }, 0);
  const count = Number(args.small);
  // Postfix's master and Dovecot's: every smtpd, cleanup, qmgr, lmtp and dovecot-lmtp is below one of them.
  const masters = ["/tmp/peers/postfix/spool/pid/master.pid", "/tmp/peers/dovecot/run/master.pid"].map((f) => Number(readFileSync(f, "utf8").trim()));
  const cpu0 = treeCpuMs(masters);
  const t0 = performance.now();
  const load = await sendLoad(2535, peerUsers, count, (n) => syntheticMessage(n, 5 * 1024, peerUsers[n % 4]!), 5 * 1024);
  const deadline = Date.now() + 300_000;
  while (delivered() < load.accepted && Date.now() < deadline) await sleep(20);
  push("postfix+dovecot", "5 KB", load, delivered() / ((performance.now() - t0) / 1000), null, (treeCpuMs(masters) - cpu0) / delivered());
  execFileSync("bash", [setup, "stop"], { env, stdio: "ignore" });
}

if (args.shards !== "file" && args.shards !== "sqld") throw new Error("--shards is file or sqld");
if (args.system) {
  // sqld is measured beside the embedded default, in the same sitting: npm start's stack both ways.
  await benchSystem("file");
  if (args.shards === "sqld") await benchSystem("sqld");
} else {
  // sqld is measured beside the embedded default, in the same sitting on the same (shared) machine.
  await benchCore("file");
  if (args.shards === "sqld") await benchCore("sqld");
}
if (args.peer) await benchPostfix();

console.log(`\nSMTP ingest, ${SESSIONS} sessions ${args["per-connection"] ? "with a new connection per message" : "with connection reuse"}, ${readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)!.length} cores, client (${args["smtp-source"] ? "smtp-source" : "Node"}) and server on this machine, blobs ${args.blobs === "s3" ? "in s3rver through the S3 API" : "in the local R2 emulator"}\n`);
console.log("target           scenario                               msgs  accepted/s  filed/s  DATA→250 p50  p99      peak RSS  CPU/msg");
for (const r of rows) {
  console.log(
    `${r.target.padEnd(16)} ${r.scenario.padEnd(38)} ${String(r.messages).padStart(5)}  ${fmt(r.acceptedPerSec).padStart(10)}  ${fmt(r.filedPerSec).padStart(7)}  ${fmt(r.p50, 1).padStart(9)} ms  ${fmt(r.p99, 1).padStart(6)} ms  ${(r.peakRssMiB === null ? "–" : fmt(r.peakRssMiB) + " MiB").padStart(8)}  ${r.cpuMsPerMsg === null ? "–" : fmt(r.cpuMsPerMsg, 2) + " ms"}`,
  );
}
const ours = rows.find((r) => r.target.startsWith("edgemail") && r.scenario === "5 KB");
const theirs = rows.find((r) => r.target === "postfix+dovecot");
if (ours && theirs) console.log(`\n5 KB filed/s, edgemail ÷ Postfix+Dovecot: ${(ours.filedPerSec / theirs.filedPerSec).toFixed(2)}×`);
mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
writeFileSync(path.join(ROOT, "bench/results", `ingest-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(rows, null, 2));
