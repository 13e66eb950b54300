// Moving mailboxes under load, on two regions of one machine (`REGIONS=us,eu npm start`): a user moved
// from us to eu while a sender keeps mailing them (retrying on 4xx, as an MTA does) ends with every
// message exactly once, the same counts, flags, threads, keywords and search, and nothing of theirs left
// in us's shards or directory; a user moved to another shard of their region, and back by a rebalance,
// loses and doubles nothing either (shards added under load: shard-rebalance.test.ts).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginResponse, MessagePage } from "../../shared/api.ts";
import { bucketFiles } from "../support/bucket-files.ts";
import { smtpConnect } from "../support/smtp-client.ts";
import { startRegionsSystem, type RegionsSystem } from "../support/regions-system.ts";
import { until } from "../support/until.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
let system: RegionsSystem;
const PASSWORD = "correct horse battery";
const ids: Record<string, string> = {};

beforeAll(async () => {
  // A short recipient cache: a move waits it out after marking the user.
  system = await startRegionsSystem(["us", "eu"], { SMTP_RECIPIENT_CACHE_SECONDS: "1" });
  await system.cli("domain", "add", "example.test");
  for (const address of ["dave@example.test", "erin@example.test"]) {
    const out = JSON.parse(await system.cli("user", "add", address, "--password", PASSWORD, "--region", "us", "--json")) as { id: string };
    ids[address] = out.id;
  }
}, 200_000);

afterAll(async () => {
  await system?.stop();
});

/** The CLI with extra environment (SHARD_COUNT for a rebalance). */
async function cli(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "core/src/cli/main.ts"), ...args], { env: { ...process.env, DATA_DIR: system.dataDir, LOG_LEVEL: "warn", ...env } });
  return stdout;
}

/** Delivers one message at `region`'s MX as an MTA would: a 4xx at any step means try again later. */
async function deliver(region: string, to: string, subject: string, body: string): Promise<{ tries: number; deferred: string[] }> {
  const deferred: string[] = [];
  for (let tries = 1; tries <= 400; tries++) {
    const s = await smtpConnect(system.regions[region]!.smtpPort);
    try {
      await s.command("EHLO sender.test");
      await s.command(`MAIL FROM:<someone@sender.test> SIZE=${body.length + 300}`);
      const rcpt = await s.command(`RCPT TO:<${to}>`);
      if (rcpt.startsWith("250")) {
        const data = await s.data(`From: someone@sender.test\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}@sender.test>\r\n\r\n${body}\r\n`);
        if (data.startsWith("250")) return { tries, deferred };
        if (!data.startsWith("4")) throw new Error(`DATA refused for good: ${data}`);
        deferred.push(data);
      } else if (rcpt.startsWith("4")) deferred.push(rcpt);
      else throw new Error(`RCPT refused for good: ${rcpt}`);
    } finally {
      await s.close();
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${subject}: still deferred after 400 tries`);
}

let clients = 0;

async function login(address: string): Promise<LoginResponse> {
  const ip = `2001:db8:7:${(++clients).toString(16)}::1`;
  const res = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify({ address, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

async function api<T>(token: string, pathname: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${system.edge}/api/v1${pathname}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** What a user sees of their mailbox: the inbox (subject, flags, keywords, thread), folder counts,
 * keywords and a search. */
async function view(token: string) {
  const inbox = (await api<MessagePage>(token, "/folders/inbox/messages?limit=100")).body.messages;
  const threadOf = new Map(inbox.map((m) => [m.id, m.threadId]));
  const folders = (await api<{ folders: { role: string | null; total: number; unread: number }[] }>(token, "/folders")).body.folders.map((f) => ({ role: f.role, total: f.total, unread: f.unread }));
  const keywords = (await api<unknown>(token, "/keywords")).body;
  const found = (await api<MessagePage>(token, "/search?q=pineapple&limit=100")).body.messages.map((m) => m.subject).sort();
  const messages = inbox
    .map((m) => ({ subject: m.subject, read: m.read, starred: m.starred, keywords: m.keywords, sameThreadAsFirst: threadOf.get(m.id) === inbox.at(-1)?.threadId }))
    .sort((a, b) => a.subject.localeCompare(b.subject));
  return { messages, folders, keywords, found };
}

async function untilFiled(token: string, count: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { body } = await api<MessagePage>(token, "/folders/inbox/messages?limit=100");
    if (body.messages.length >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/** The files of a region's bucket in the edge's R2 emulator (us: edgemail-blobs, eu: edgemail-blobs-eu)
 * that hold any of `needles`. */
function inBucket(bucket: string, needles: Buffer[]): string[] {
  return bucketFiles(path.join(system.dataDir, "edge", "v3"), bucket)
    .flatMap((s) => (statSync(s).isDirectory() ? files(s) : [s]))
    .filter((f) => needles.some((n) => readFileSync(f).includes(n)));
}

describe("moving users", () => {
  it("refuses a move to a region that does not serve the user's domain, marking nothing", { timeout: 120_000 }, async () => {
    await system.cli("domain", "add", "us-only.test", "--region", "us");
    await system.cli("user", "add", "fay@us-only.test", "--password", PASSWORD, "--region", "us");
    await expect(system.cli("user", "move", "fay@us-only.test", "--region", "eu")).rejects.toThrow(/region eu does not serve us-only\.test/);
    const s = await smtpConnect(system.regions.us!.smtpPort);
    try {
      await s.command("EHLO sender.test");
      await s.command("MAIL FROM:<someone@sender.test>");
      expect(await s.command("RCPT TO:<fay@us-only.test>")).toMatch(/^250 /);
    } finally {
      await s.close();
    }
  });

  it("moves a user from us to eu while mail keeps arriving: every message once, the same mailbox, nothing left in us", { timeout: 300_000 }, async () => {
    const address = "dave@example.test";
    // Mail before the move, in one thread (replies by subject), some of it with a word to search.
    for (let i = 0; i < 6; i++) await deliver("us", address, i === 0 ? "Project plan" : `Re: Project plan ${i}`, i % 2 ? "pineapple marker 5d1e in the body" : "plain");
    let { token } = await login(address);
    await untilFiled(token, 6);
    const inbox = (await api<MessagePage>(token, "/folders/inbox/messages?limit=100")).body.messages;
    expect(inbox).toHaveLength(6);
    expect((await api(token, `/messages/${inbox[0]!.id}`, { method: "PATCH", body: JSON.stringify({ read: true, keywords: { add: ["Projects"] } }) })).status).toBe(200);
    expect((await api(token, `/messages/${inbox[1]!.id}`, { method: "PATCH", body: JSON.stringify({ starred: true }) })).status).toBe(200);
    const before = await view(token);
    expect(before.found).toHaveLength(3);
    // The mail's bytes are in us's bucket (so the scan after the move can find them).
    const text = [Buffer.from("5d1e"), Buffer.from(address)];
    expect(inBucket("edgemail-blobs", text).length).toBeGreaterThan(0);
    // Edge state made before the move: an API key (naming us) and settings.
    const key = await api<{ key: string }>(token, "/api-keys", { method: "POST", body: JSON.stringify({ name: "sync", scopes: ["mail.read"] }) });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^emk_us_/);
    expect((await api(token, "/settings", { method: "PATCH", body: JSON.stringify({ theme: "dark" }) })).status).toBe(200);

    // A stream of mail, through both regions' MXs, while the move runs.
    // It goes on until the move is over, and a few messages after.
    let moveOver = false;
    const stream = (async () => {
      const results = [];
      for (let i = 0, after = 0; after < 4; i++) {
        results.push(await deliver(i % 2 ? "eu" : "us", address, `stream ${i}`, `stream message ${i}`));
        if (moveOver) after++;
        await new Promise((r) => setTimeout(r, 100));
      }
      return results;
    })();
    await new Promise((r) => setTimeout(r, 500));
    const moved = JSON.parse(await system.cli("user", "move", address, "--region", "eu", "--json")) as {
      from: string;
      region: string;
      rows: number;
      hubRows: number;
      blobs: { packsDeleted: number; packsRewritten: number; attachmentsDeleted: number; kept: unknown[] };
    };
    moveOver = true;
    expect(moved).toMatchObject({ from: "us", region: "eu" });
    // The hub's rows: at least the session, the key, the settings and the sign-in.
    expect(moved.hubRows).toBeGreaterThanOrEqual(4);
    const results = await stream;
    const STREAM = results.length;
    // The sender was told to come back later at least once (450 4.2.1 at RCPT while the user moved).
    expect(results.flatMap((r) => r.deferred).some((d) => /^450 4\.2\.1/.test(d))).toBe(true);

    // The user's hub moved along: a session signed in before the move (its token names us) and an API
    // key made before it (its text names us) follow the old hub's tombstone to eu, settings and all.
    const oldSession = await fetch(`${system.edge}/api/v1/folders/sent/messages`, { headers: { authorization: `Bearer ${token}` } });
    expect(oldSession.status).toBe(200);
    expect((await api<{ theme: string }>(token, "/settings")).body.theme).toBe("dark");
    const byKey = await api<MessagePage>(key.body.key, "/folders/inbox/messages?limit=100");
    expect(byKey.status).toBe(200);
    expect(byKey.body.messages.length).toBeGreaterThanOrEqual(6);
    // Signing in again finds eu.
    ({ token } = await login(address));
    expect((await login(address)).user).toMatchObject({ id: ids[address], region: "eu" });
    await untilFiled(token, 6 + STREAM);
    const after = await view(token);
    const subjects = after.messages.map((m) => m.subject);
    for (let i = 0; i < STREAM; i++) expect(subjects.filter((s) => s === `stream ${i}`), `stream ${i}`).toHaveLength(1);
    expect(subjects).toHaveLength(6 + STREAM);
    // What was there before the move is as it was: flags, keywords, thread, search.
    expect(after.messages.filter((m) => !m.subject.startsWith("stream"))).toEqual(before.messages);
    expect(after.found).toEqual(before.found);
    expect(after.keywords).toEqual(before.keywords);
    const inboxBefore = before.folders.find((f) => f.role === "inbox")!;
    expect(after.folders.find((f) => f.role === "inbox")).toEqual({ role: "inbox", total: inboxBefore.total + STREAM, unread: inboxBefore.unread + STREAM });

    // Nothing of the user in us's shards or directory (byte for byte), and the other us user is untouched.
    const needles = [ids[address]!, address, "5d1e"].map((s) => Buffer.from(s));
    const us = path.join(system.dataDir, "regions", "us");
    const stores = files(us).filter((f) => /\/(shards|directory)[^/]*/.test(path.relative(us, f)) || /directory\.db/.test(f));
    expect(stores.length).toBeGreaterThan(0);
    expect(stores.filter((f) => needles.some((n) => readFileSync(f).includes(n)))).toEqual([]);
    // Nor in us's bucket: the packs that held the user's mail were swept after the old rows went (the
    // emulator removes a deleted object's file a moment later); eu's bucket has it.
    expect(moved.blobs.packsDeleted).toBeGreaterThan(0);
    expect(moved.blobs.kept).toEqual([]);
    await until(() => inBucket("edgemail-blobs", text).length === 0, "the user's mail gone from us's bucket", 10_000).catch(() => {
      expect(inBucket("edgemail-blobs", text)).toEqual([]);
    });
    expect(inBucket("edgemail-blobs-eu", text).length).toBeGreaterThan(0);
    const erin = await login("erin@example.test");
    expect(erin.user.region).toBe("us");
    expect((await api(erin.token, "/folders")).status).toBe(200);
  });

  it("moves a user to another shard of their region and back by a rebalance while mail keeps arriving", { timeout: 300_000 }, async () => {
    const address = "erin@example.test";
    for (let i = 0; i < 3; i++) await deliver("us", address, `before ${i}`, "before the rebalance");
    // Moved off the shard rendezvous hashing picks for her, then put back there by a rebalance.
    const list = JSON.parse(await cli({}, "shard", "list", "--region", "us", "--json")) as { name: string; users: number }[];
    expect(list.map((s) => s.name)).toEqual(["s0", "s1", "s2", "s3"]);
    const shardOf = async () => (JSON.parse(await cli({}, "user", "list", "--json")) as { address: string; shard: string }[]).find((u) => u.address === address)!.shard;
    const home = await shardOf();
    const other = list.find((s) => s.name !== home)!.name;
    const stream = (async () => {
      for (let i = 0; i < 12; i++) {
        await deliver("us", address, `during ${i}`, `during the rebalance ${i}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const moved = JSON.parse(await cli({}, "user", "move", address, "--shard", other, "--json")) as { from: string; shard: string };
    expect(moved).toMatchObject({ from: home, shard: other });
    // And back where rendezvous hashing puts her.
    const rebalanced = JSON.parse(await cli({}, "shard", "rebalance", "--region", "us", "--json")) as { moved: { address: string }[] };
    expect(rebalanced.moved.map((m) => m.address)).toContain(address);
    await stream;
    const { token } = await login(address);
    await untilFiled(token, 15);
    const subjects = (await api<MessagePage>(token, "/folders/inbox/messages?limit=100")).body.messages.map((m) => m.subject);
    for (let i = 0; i < 12; i++) expect(subjects.filter((s) => s === `during ${i}`), `during ${i}`).toHaveLength(1);
    expect(subjects).toHaveLength(15);
    expect(await shardOf()).toBe(home);
  });
});
