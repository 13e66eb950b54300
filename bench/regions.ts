// npm run bench:regions [-- --messages 2000 --sessions 20 --latency 200]
//
// Two regions on this machine (`REGIONS=us,eu npm start`, test/support/regions-system.ts): the ingest
// rate of one region's MX alone, of both regions' MXs at once (each to its own users), and of mail
// relayed from us's MX to an eu user; then the extra time a cross-region delivery adds, from DATA to
// 250 over one connection at a time, direct (us MX → us user) and relayed (us MX → eu user, the 250
// waiting for eu's spool), alternating in blocks so the machine's noise falls on both alike.
import { parseArgs } from "node:util";
import { startRegionsSystem } from "../test/support/regions-system.ts";
import { percentile, runLoad, syntheticMessage, type LoadResult } from "./smtp-load.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    sessions: { type: "string", default: "20" },
    latency: { type: "string", default: "200" },
  },
});
const messages = Number(args.messages);
const sessions = Number(args.sessions);
const latencyCount = Number(args.latency);

const system = await startRegionsSystem(["us", "eu"], { LOG_LEVEL: "error" });
try {
  await system.cli("domain", "add", "example.test");
  await system.cli("user", "add", "alice@example.test", "--password", "correct horse battery", "--region", "us", "--quota", "50G");
  await system.cli("user", "add", "bob@example.test", "--password", "correct horse battery", "--region", "eu", "--quota", "50G");
  const us = system.regions.us!.smtpPort;
  const eu = system.regions.eu!.smtpPort;
  const load = (port: number, to: string, count: number, s = sessions) =>
    runLoad({ port, sessions: s, messages: count, recipient: () => to, message: (n) => syntheticMessage(n, 5 * 1024, to) });
  const line = (name: string, r: LoadResult) =>
    `${name.padEnd(44)} ${String(r.accepted).padStart(6)} accepted ${(r.accepted / r.seconds).toFixed(0).padStart(6)} msgs/s  p50 ${percentile(r.dataToReply, 50).toFixed(1)} ms  p99 ${percentile(r.dataToReply, 99).toFixed(1)} ms${r.refused.length ? `  refused ${r.refused.length}: ${r.refused[0]}` : ""}`;

  await load(us, "alice@example.test", 200); // warm both paths
  await load(us, "bob@example.test", 200);
  console.log(`5 KB messages, ${sessions} sessions reusing their connections\n`);
  console.log(line("one region: us MX → us user", await load(us, "alice@example.test", messages)));
  const [a, b] = await Promise.all([load(us, "alice@example.test", messages / 2, sessions / 2), load(eu, "bob@example.test", messages / 2, sessions / 2)]);
  const both = { sent: a.sent + b.sent, accepted: a.accepted + b.accepted, refused: [...a.refused, ...b.refused], seconds: Math.max(a.seconds, b.seconds), dataToReply: [...a.dataToReply, ...b.dataToReply] };
  console.log(line("two regions: each MX → its own users", both));
  console.log(line("relayed: us MX → eu user", await load(us, "bob@example.test", messages)));

  const direct: number[] = [];
  const relayed: number[] = [];
  for (let block = 0; block < 10; block++) {
    direct.push(...(await load(us, "alice@example.test", latencyCount / 10, 1)).dataToReply);
    relayed.push(...(await load(us, "bob@example.test", latencyCount / 10, 1)).dataToReply);
  }
  const p = (v: number[], q: number) => percentile(v, q).toFixed(2);
  console.log(`\nDATA → 250, one message at a time (${direct.length} each, alternating blocks of ${latencyCount / 10}):`);
  console.log(`  direct  (us MX → us user)  p50 ${p(direct, 50)} ms  p99 ${p(direct, 99)} ms`);
  console.log(`  relayed (us MX → eu user)  p50 ${p(relayed, 50)} ms  p99 ${p(relayed, 99)} ms  (+${(percentile(relayed, 50) - percentile(direct, 50)).toFixed(2)} ms at p50)`);
} finally {
  await system.stop();
}
