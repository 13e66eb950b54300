// A database server dies while mail flows over real SMTP (sqld killed with SIGKILL, then started
// again on its folder and port): the users of that shard get 451 4.3.0 and their API calls 503 with
// Retry-After, everyone else is served; the directory down defers everyone. After the restart every
// message the MX acknowledged is filed exactly once, and nothing it refused is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../shared/ids.ts";
import { restartSqld } from "./local-sqld.ts";
import { setLogLevel } from "./log.ts";
import { testDatabases } from "../../test/support/shard-backend.ts";
import { internalApi } from "../../test/support/internal-api.ts";
import { sendMail } from "../../test/support/smtp-client.ts";
import { startTempCore, type TempCore } from "../../test/support/temp-core.ts";
import { until } from "../../test/support/until.ts";

const databases = testDatabases("store-failure-", "sqld");
let core: TempCore;
let api: ReturnType<typeof internalApi>;
const users: Record<"s0" | "s1", { id: string; address: string }> = {} as never;

beforeAll(async () => {
  const [s0, s1, directory] = [await databases.open("s0"), await databases.open("s1"), await databases.open("directory")];
  core = await startTempCore({
    SHARDS: `s0=${s0.url},s1=${s1.url}`,
    SHARD_REPLICAS: `s0=${s0.replicaUrl},s1=${s1.replicaUrl}`,
    DIRECTORY_URL: directory.url,
    DIRECTORY_REPLICA_URL: directory.replicaUrl!,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  });
  setLogLevel((process.env.TEST_LOG_LEVEL as "error" | undefined) ?? "silent");
  api = internalApi(core.apiPort);
  // Placement is by hashing the new user's id: add users until each shard has one.
  for (let i = 0; !users.s0 || !users.s1; i++) {
    const u = await core.addUser(`user${i}@example.test`);
    users[u.shard as "s0" | "s1"] ??= u;
  }
});
afterAll(async () => {
  await core?.destroy();
  await databases.close();
});

/** Sends to `to` until stopped, one message at a time, and keeps every reply by subject. */
let flowNo = 0;
function mailFlow(to: string) {
  const flow = ++flowNo;
  const replies = new Map<string, string>();
  let stop = false;
  let n = 0;
  const done = (async () => {
    while (!stop) {
      const subject = `${to} flow ${flow} #${n++}`;
      const reply = await sendMail(core.smtpPort, "sender@remote.test", [to], `From: sender@remote.test\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nbody\r\n`).catch((err: Error) => `error ${err.message}`);
      replies.set(subject, reply);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    replies,
    acknowledged: () => [...replies].filter(([, r]) => r.startsWith("250")).map(([s]) => s),
    /** Replies since `from` (a count of messages sent). */
    since: (from: number) => [...replies.values()].slice(from),
    get sent() {
      return replies.size;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

async function filedSubjects(shard: "s0" | "s1", userId: string): Promise<string[]> {
  const { rows } = await core.shards.get(shard).client.execute({ sql: "SELECT subject FROM messages WHERE user_id = ?", args: [userId] });
  return rows.map((r) => String(r.subject));
}

const status = async (userId: string) => {
  const res = await api("GET", `/internal/v1/users/${userId}/folders`);
  return { status: res.status, retryAfter: res.headers.get("retry-after"), type: res.headers.get("content-type") };
};

const sorted = (list: string[]) => [...list].sort();

/** The replies from the first 451 on. Before it, mail in flight, or sent within PROBE_FRESH_MS of the
 * server's last answer, may still be acknowledged: it waits in the spool and is filed after the restart
 * (checked below). Once a server has failed to answer, nothing more is accepted until it answers again. */
const afterFirstDeferral = (replies: string[]) => replies.slice(Math.max(0, replies.findIndex((r) => /^451 4\.3\.0/.test(r))));

describe("a database server killed while mail flows", () => {
  it("defers one shard's users while its primary is down, serves the others, and files everything acknowledged once", async () => {
    const flows = { s0: mailFlow(users.s0.address), s1: mailFlow(users.s1.address) };
    try {
      await until(() => flows.s0.acknowledged().length >= 5 && flows.s1.acknowledged().length >= 5, "mail to both shards");
      const pair = databases.servers("s1");
      pair.primary.kill("SIGKILL");
      await pair.primary.exited;
      const down = { s0: flows.s0.sent, s1: flows.s1.sent };
      // Give the flow time to meet the dead shard (a message in flight may still have been acknowledged).
      await until(() => flows.s1.since(down.s1).filter((r) => /^451 4\.3\.0/.test(r)).length >= 3, "451 4.3.0 for the dead shard's user");
      await until(() => flows.s0.since(down.s0).filter((r) => r.startsWith("250")).length >= 3, "mail for the other shard still accepted");
      expect(afterFirstDeferral(flows.s1.since(down.s1)).filter((r) => !/^451 4\.3\.0/.test(r))).toEqual([]);
      expect(await status(users.s1.id)).toEqual({ status: 503, retryAfter: "5", type: "application/problem+json" });
      expect((await status(users.s0.id)).status).toBe(200);

      pair.primary = await restartSqld(pair.primary);
      const up = flows.s1.sent;
      await until(() => flows.s1.since(up).some((r) => r.startsWith("250")), "mail accepted again after the restart");
      expect((await status(users.s1.id)).status).toBe(200);
    } finally {
      await Promise.all([flows.s0.stop(), flows.s1.stop()]);
    }
    for (const shard of ["s0", "s1"] as const) {
      const acknowledged = sorted(flows[shard].acknowledged());
      await until(async () => (await filedSubjects(shard, users[shard].id)).length >= acknowledged.length, `${shard}'s acknowledged mail filed`);
      // Exactly the acknowledged messages, each once: none lost, none doubled, none refused filed anyway.
      expect(sorted(await filedSubjects(shard, users[shard].id))).toEqual(acknowledged);
    }
  });

  it("defers everyone while the directory's primary is down", async () => {
    const flows = { s0: mailFlow(users.s0.address), s1: mailFlow(users.s1.address) };
    const before = { s0: (await filedSubjects("s0", users.s0.id)).length, s1: (await filedSubjects("s1", users.s1.id)).length };
    try {
      await until(() => flows.s0.acknowledged().length >= 3 && flows.s1.acknowledged().length >= 3, "mail to both shards");
      const pair = databases.servers("directory");
      pair.primary.kill("SIGKILL");
      await pair.primary.exited;
      const down = { s0: flows.s0.sent, s1: flows.s1.sent };
      await until(() => flows.s0.since(down.s0).filter((r) => /^451 4\.3\.0/.test(r)).length >= 2 && flows.s1.since(down.s1).filter((r) => /^451 4\.3\.0/.test(r)).length >= 2, "451 4.3.0 for everyone");
      expect([...afterFirstDeferral(flows.s0.since(down.s0)), ...afterFirstDeferral(flows.s1.since(down.s1))].filter((r) => !/^451 4\.3\.0/.test(r))).toEqual([]);
      expect(await status(users.s0.id)).toMatchObject({ status: 503, retryAfter: "5" });
      pair.primary = await restartSqld(pair.primary);
      const up = { s0: flows.s0.sent, s1: flows.s1.sent };
      await until(() => flows.s0.since(up.s0).some((r) => r.startsWith("250")) && flows.s1.since(up.s1).some((r) => r.startsWith("250")), "mail accepted again");
    } finally {
      await Promise.all([flows.s0.stop(), flows.s1.stop()]);
    }
    for (const shard of ["s0", "s1"] as const) {
      const acknowledged = flows[shard].acknowledged().length;
      await until(async () => (await filedSubjects(shard, users[shard].id)).length >= before[shard] + acknowledged, `${shard}'s acknowledged mail filed`);
      const filed = await filedSubjects(shard, users[shard].id);
      expect(filed.length).toBe(before[shard] + acknowledged);
      expect(sorted(filed.filter((s) => flows[shard].replies.has(s)))).toEqual(sorted(flows[shard].acknowledged()));
    }
  });

  it("files what was spooled before the shard died for the other shard at once, and the rest once it is back", async () => {
    const pair = databases.servers("s1");
    pair.primary.kill("SIGKILL");
    await pair.primary.exited;
    // As the MX spools a message it acknowledged a moment before the shard went down.
    const spool = async (tag: string, to: (typeof users)["s0"], shard: string) => {
      const id = uuidv7();
      const entry = {
        id,
        receivedAt: Date.now(),
        raw: Buffer.from(`From: sender@remote.test\r\nTo: ${to.address}\r\nSubject: spooled ${tag}\r\n\r\nbody\r\n`),
        meta: { kind: "inbound" as const, mailFrom: "sender@remote.test", recipients: [{ address: to.address, userId: to.id, shard }], client: { address: "127.0.0.1", helo: "client.test", tls: false } },
      };
      await core.spool.append(entry);
      core.pipeline.enqueue(entry);
    };
    await spool("one", users.s1, "s1");
    await spool("two", users.s0, "s0");
    await spool("four", users.s1, "s1");
    await spool("three", users.s0, "s0");
    // The dead shard's messages do not hold up the others.
    await until(async () => (await filedSubjects("s0", users.s0.id)).filter((x) => x.startsWith("spooled")).length === 2, "s0's spooled mail filed while s1 is down");
    pair.primary = await restartSqld(pair.primary);
    await until(async () => (await filedSubjects("s1", users.s1.id)).filter((x) => x.startsWith("spooled")).length >= 2, "s1's spooled mail filed after the restart", 60_000);
    expect(sorted((await filedSubjects("s1", users.s1.id)).filter((x) => x.startsWith("spooled")))).toEqual(["spooled four", "spooled one"]);
    expect(sorted((await filedSubjects("s0", users.s0.id)).filter((x) => x.startsWith("spooled")))).toEqual(["spooled three", "spooled two"]);
  });
});
