// A shard added under load, to the running system: it runs on two shards with users and mail; while a
// sender keeps mailing every user (retrying on 4xx), `shard add s2` and then `shard add s3 --rebalance`
// grow the map of the running core (no restart: each of its isolates opens the new shards from the
// directory) and move the users whose rendezvous pick is now a new shard. Afterwards every message is
// there exactly once, the users sit where rendezvous hashing puts them, the old shards keep no rows of
// the moved ones, and a new user may be placed on a new shard and gets mail there.
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

async function inbox(u: string, i: number, wanted: number): Promise<string[]> {
  const res = await fetch(`${system!.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": `2001:db8:9:${i + 1}::1` }, body: JSON.stringify({ address: u, password: PASSWORD }) });
  const { token } = (await res.json()) as LoginResponse;
  let subjects: string[] = [];
  // Every page: on a loaded machine the stream runs more than a page's worth of rounds while the
  // rebalance goes on, and the first message must still be found.
  const all = async () => {
    const found: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${system!.edge}/api/v1/folders/inbox/messages?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as MessagePage;
      found.push(...page.messages.map((m) => m.subject));
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  };
  for (let t = 0; t < 100; t++) {
    subjects = await all();
    if (subjects.length >= wanted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return subjects;
}

describe("shard add and rebalance", () => {
  it("adds shards to the running system and moves the users whose pick is a new one while mail arrives, losing and doubling nothing", { timeout: 600_000 }, async () => {
    const users = Array.from({ length: 8 }, (_, i) => `user${i}@example.test`);
    system = await startSystem({ SHARD_COUNT: "2", SMTP_RECIPIENT_CACHE_SECONDS: "1", SHARD_MAP_POLL: "500ms" }, { dataDir });
    await system.cli("domain", "add", "example.test");
    const ids: Record<string, string> = {};
    for (const u of users) ids[u] = (JSON.parse(await system.cli("user", "add", u, "--password", PASSWORD, "--json")) as { id: string }).id;
    for (const u of users) await deliver(system.smtpPort, u, "before");

    const expected = Object.fromEntries(users.map((u) => [u, rendezvousPick(["s0", "s1", "s2", "s3"], ids[u]!)]));
    const toMove = users.filter((u) => rendezvousPick(["s0", "s1"], ids[u]!) !== expected[u]);
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
    // The core's isolates (its main thread, its pipeline thread) each open it and say so before the command returns.
    const s2 = JSON.parse(await system.cli("shard", "add", "s2", "--json")) as { seq: number; cores: number; isolates: number };
    expect(s2.cores).toBe(1);
    expect(s2.isolates).toBeGreaterThanOrEqual(2);
    const health = (await (await fetch(`http://127.0.0.1:${system.apiPort}/healthz`)).json()) as { shards: string[] };
    expect(health.shards).toEqual(["s0", "s1", "s2"]);
    await expect(system.cli("shard", "add", "s2")).rejects.toMatchObject({ stderr: expect.stringMatching(/shard "s2" is already in the shard map/) });
    const out = JSON.parse(await system.cli("shard", "add", "s3", "--rebalance", "--json")) as { rebalance: { moved: { address: string; to: string }[]; usersPerShard: Record<string, number> } };
    over = true;
    await stream;
    expect(out.rebalance.moved.map((m) => m.address).sort()).toEqual([...toMove].sort());
    expect(deferrals).toBeGreaterThan(0);

    const list = JSON.parse(await system.cli("user", "list", "--json")) as { address: string; shard: string }[];
    for (const u of users) expect(list.find((l) => l.address === u)?.shard, u).toBe(expected[u]);

    for (const [i, u] of users.entries()) {
      const subjects = await inbox(u, i, sent + 1);
      // What to look at when it fails: how much the user has, and whether the rebalance moved them.
      const seen = `${u} (${subjects.length} messages of ${sent + 1}; moved: ${out.rebalance.moved.some((m) => m.address === u)}; newest ${JSON.stringify(subjects.slice(0, 3))})`;
      expect(subjects.filter((s) => s === "before"), seen).toHaveLength(1);
      for (let r = 0; r < sent; r++) expect(subjects.filter((s) => s === `round ${r}`), `${u} round ${r}`).toHaveLength(1);
      expect(subjects, u).toHaveLength(sent + 1);
    }

    // The old shards keep no row of the users that left them.
    for (const shard of ["s0", "s1"]) {
      const db = createClient({ url: `file:${path.join(dataDir, "shards", `${shard}.db`)}` });
      try {
        for (const u of toMove) {
          const { rows } = await db.execute({ sql: "SELECT (SELECT count(*) FROM messages WHERE user_id = ?1) + (SELECT count(*) FROM mailboxes WHERE user_id = ?1)", args: [ids[u]!] });
          expect(Number(rows[0]![0]), `${u} in ${shard}`).toBe(0);
        }
      } finally {
        db.close();
      }
    }

    // A new user may be placed on a new shard at once (rendezvous over the whole map), and gets mail there.
    let newcomer: { address: string; shard: string } | null = null;
    for (let i = 0; i < 30 && !newcomer; i++) {
      const added = JSON.parse(await system.cli("user", "add", `new${i}@example.test`, "--password", PASSWORD, "--json")) as { address: string; shard: string };
      if (added.shard === "s2" || added.shard === "s3") newcomer = added;
    }
    expect(newcomer).not.toBeNull();
    await deliver(system.smtpPort, newcomer!.address, "welcome");
    expect(await inbox(newcomer!.address, 50, 1)).toEqual(["welcome"]);
  });
});
