// A shard added under load: the system runs on two shards with users and mail, restarts with four
// (SHARD_COUNT), and `shard rebalance` moves the users whose rendezvous pick is now a new shard while a
// sender keeps mailing every user (retrying on 4xx). Afterwards every message is there exactly once,
// the users sit where rendezvous hashing puts them, and the old shards keep no rows of the moved ones.
import { createClient } from "@libsql/client";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LoginResponse, MessagePage } from "../../shared/api.ts";
import { rendezvousPick } from "../../core/src/store/rendezvous.ts";
import { smtpConnect } from "../support/smtp-client.ts";
import { startSystem, type System } from "../support/system.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-rebalance-"));
let system: System | undefined;
const PASSWORD = "correct horse battery";

afterAll(async () => {
  await system?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function deliver(port: number, to: string, subject: string): Promise<number> {
  let deferrals = 0;
  for (let tries = 1; tries <= 400; tries++) {
    const s = await smtpConnect(port);
    try {
      await s.command("EHLO sender.test");
      await s.command("MAIL FROM:<someone@sender.test>");
      const rcpt = await s.command(`RCPT TO:<${to}>`);
      if (rcpt.startsWith("250")) {
        const data = await s.data(`From: someone@sender.test\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}.${to.replace(/\W/g, "")}@sender.test>\r\n\r\n${subject}\r\n`);
        if (data.startsWith("250")) return deferrals;
        if (!data.startsWith("4")) throw new Error(`DATA refused for good: ${data}`);
      } else if (!rcpt.startsWith("4")) throw new Error(`RCPT refused for good: ${rcpt}`);
      deferrals++;
    } finally {
      await s.close();
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${subject} to ${to}: still deferred after 400 tries`);
}

describe("shard add and rebalance", () => {
  it("moves the users whose pick is a new shard while mail arrives, losing and doubling nothing", { timeout: 600_000 }, async () => {
    const users = Array.from({ length: 8 }, (_, i) => `user${i}@example.test`);
    system = await startSystem({ SHARD_COUNT: "2", SMTP_RECIPIENT_CACHE_SECONDS: "1" }, { dataDir });
    await system.cli("domain", "add", "example.test");
    const ids: Record<string, string> = {};
    for (const u of users) ids[u] = (JSON.parse(await system.cli("user", "add", u, "--password", PASSWORD, "--json")) as { id: string }).id;
    for (const u of users) await deliver(system.smtpPort, u, "before");
    await system.stop();

    // The map grows to four shards; the cores know it from their start.
    system = await startSystem({ SHARD_COUNT: "4", SMTP_RECIPIENT_CACHE_SECONDS: "1" }, { dataDir });
    const expected = Object.fromEntries(users.map((u) => [u, rendezvousPick(["s0", "s1", "s2", "s3"], ids[u]!)]));
    const toMove = users.filter((u) => !["s0", "s1"].includes(expected[u]!) || rendezvousPick(["s0", "s1"], ids[u]!) !== expected[u]);
    expect(toMove.length).toBeGreaterThan(0);

    let over = false;
    let sent = 0;
    let deferrals = 0;
    const stream = (async () => {
      for (let round = 0, after = 0; after < 2; round++) {
        for (const u of users) deferrals += await deliver(system!.smtpPort, u, `round ${round}`);
        sent = round + 1;
        if (over) after++;
      }
    })();
    const out = JSON.parse(await system.cli("shard", "rebalance", "--json")) as { moved: { address: string; to: string }[]; usersPerShard: Record<string, number> };
    over = true;
    await stream;
    expect(out.moved.map((m) => m.address).sort()).toEqual([...toMove].sort());
    expect(deferrals).toBeGreaterThan(0);

    const list = JSON.parse(await system.cli("user", "list", "--json")) as { address: string; shard: string }[];
    for (const u of users) expect(list.find((l) => l.address === u)?.shard, u).toBe(expected[u]);

    for (const [i, u] of users.entries()) {
      const res = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": `2001:db8:9:${i + 1}::1` }, body: JSON.stringify({ address: u, password: PASSWORD }) });
      const { token } = (await res.json()) as LoginResponse;
      let subjects: string[] = [];
      for (let t = 0; t < 100; t++) {
        subjects = ((await (await fetch(`${system.edge}/api/v1/folders/inbox/messages?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json()) as MessagePage).messages.map((m) => m.subject);
        if (subjects.length >= sent + 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(subjects.filter((s) => s === "before"), u).toHaveLength(1);
      for (let r = 0; r < sent; r++) expect(subjects.filter((s) => s === `round ${r}`), `${u} round ${r}`).toHaveLength(1);
      expect(subjects, u).toHaveLength(sent + 1);
    }

    // The old shards keep no row of the users that left them.
    for (const shard of ["s0", "s1"]) {
      const db = createClient({ url: `file:${path.join(dataDir, "shards", `${shard}.db`)}` });
      try {
        for (const u of toMove) {
          const { rows } = await db.execute({ sql: "SELECT (SELECT count(*) FROM messages WHERE user_id = ?1) + (SELECT count(*) FROM mailboxes WHERE user_id = ?1)", args: [ids[u]!] });
          expect(Number(rows[0]![0]), `${u} in ${shard}`).toBe(expected[u] === shard ? 2 + sent : 0);
        }
      } finally {
        db.close();
      }
    }
  });
});
