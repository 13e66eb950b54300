// Two regions on one machine (`REGIONS=us,eu npm start`): mail reaching either region's MX for a user
// homed in the other is handed to the home region before the 250; a message for users of both regions
// gives each region exactly its own; the edge signs a user in at their home region and serves them from
// it; and nothing of an eu user is written to any us store, the edge's included (their Durable Object
// and their blobs are eu's).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginResponse, Message, MessagePage, UploadedAttachment } from "../../shared/api.ts";
import { bucketFiles } from "../support/bucket-files.ts";
import { smtpConnect } from "../support/smtp-client.ts";
import { startRegionsSystem, type RegionsSystem } from "../support/regions-system.ts";

let system: RegionsSystem;
const PASSWORD = "correct horse battery";
const ids: Record<string, string> = {};

beforeAll(async () => {
  system = await startRegionsSystem(["us", "eu"]);
  await system.cli("domain", "add", "example.test");
  for (const [address, region] of [["alice@example.test", "us"], ["bob@example.test", "eu"], ["carol@example.test", "eu"]] as const) {
    const out = JSON.parse(await system.cli("user", "add", address, "--password", PASSWORD, "--region", region, "--json")) as { id: string; region: string };
    expect(out.region).toBe(region);
    ids[address] = out.id;
  }
});

afterAll(async () => {
  await system?.stop();
});

/** One SMTP transaction at `region`'s MX; every reply, the last being DATA's. */
async function send(region: string, to: string[], subject: string, body = "Hello."): Promise<string[]> {
  const s = await smtpConnect(system.regions[region]!.smtpPort);
  try {
    // SIZE declared, as real senders do: a full mailbox refuses at RCPT.
    const replies = [await s.command("EHLO sender.test"), await s.command(`MAIL FROM:<someone@sender.test> SIZE=${body.length + 200}`)];
    for (const rcpt of to) replies.push(await s.command(`RCPT TO:<${rcpt}>`));
    if (replies.slice(2).some((r) => r.startsWith("250"))) {
      replies.push(await s.data(`From: someone@sender.test\r\nTo: ${to.join(", ")}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}@sender.test>\r\n\r\n${body}\r\n`));
    }
    return replies;
  } finally {
    await s.close();
  }
}

let clients = 0;

/** Each login from a client address of its own (Miniflare takes CF-Connecting-IP): the edge limits
 * logins per client. */
async function login(address: string): Promise<LoginResponse> {
  const ip = `2001:db8:${(++clients).toString(16)}::1`;
  const res = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify({ address, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

/** The subjects in the inbox, once `subject` is there (the pipeline files it a moment after the 250). */
async function inboxOnceFiled(address: string, subject: string): Promise<string[]> {
  const { token } = await login(address);
  for (let i = 0; ; i++) {
    const res = await fetch(`${system.edge}/api/v1/folders/inbox/messages`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const subjects = ((await res.json()) as MessagePage).messages.map((m) => m.subject);
    if (subjects.includes(subject) || i === 100) return subjects;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("two regions", () => {
  it("signs each user in at their home region, and serves them from it", async () => {
    const bob = await login("bob@example.test");
    expect(bob.user).toMatchObject({ id: ids["bob@example.test"], region: "eu" });
    const alice = await login("alice@example.test");
    expect(alice.user).toMatchObject({ id: ids["alice@example.test"], region: "us" });
    // Bob's mailbox is only in eu's shards: a folder list served from us would be a 404.
    const folders = await fetch(`${system.edge}/api/v1/folders`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(folders.status).toBe(200);
    const wrong = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "2001:db8:ffff::1" }, body: JSON.stringify({ address: "bob@example.test", password: "not it at all" }) });
    expect(wrong.status).toBe(401);
  });

  it("delivers across regions both ways: us's MX to an eu user, eu's MX to a us user", async () => {
    const toEu = await send("us", ["bob@example.test"], "us to eu");
    expect(toEu.slice(2)).toEqual([expect.stringMatching(/^250 /), expect.stringMatching(/^250 2\.0\.0 Ok: queued as /)]);
    const toUs = await send("eu", ["alice@example.test"], "eu to us");
    expect(toUs.at(-1)).toMatch(/^250 2\.0\.0/);
    expect(await inboxOnceFiled("bob@example.test", "us to eu")).toContain("us to eu");
    expect(await inboxOnceFiled("alice@example.test", "eu to us")).toContain("eu to us");
  });

  it("gives each region exactly its own recipients of one message", async () => {
    const replies = await send("us", ["alice@example.test", "bob@example.test"], "to both regions");
    expect(replies.at(-1)).toMatch(/^250 2\.0\.0/);
    const [alice, bob] = [await inboxOnceFiled("alice@example.test", "to both regions"), await inboxOnceFiled("bob@example.test", "to both regions")];
    expect(alice.filter((s) => s === "to both regions")).toHaveLength(1);
    expect(bob.filter((s) => s === "to both regions")).toHaveLength(1);
  });

  it("sends a user's mail from their home region to a user homed in another, through the API and submission", async () => {
    const bob = await login("bob@example.test");
    const res = await fetch(`${system.edge}/api/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json", "idempotency-key": "regions-send-1" },
      body: JSON.stringify({ to: ["alice@example.test", "bob@example.test"], subject: "api from eu", text: "From eu to us and to eu." }),
    });
    expect(res.status).toBe(202);
    expect(await inboxOnceFiled("alice@example.test", "api from eu")).toContain("api from eu");
    expect(await inboxOnceFiled("bob@example.test", "api from eu")).toContain("api from eu");
    // A mail app at bob's own region's submission port.
    const s = await smtpConnect(system.regions.eu!.submissionPort);
    try {
      await s.command("EHLO app.test");
      expect(await s.command(`AUTH PLAIN ${Buffer.from(`\0bob@example.test\0${PASSWORD}`).toString("base64")}`)).toMatch(/^235/);
      await s.command("MAIL FROM:<bob@example.test>");
      expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250/);
      expect(await s.data("From: bob@example.test\r\nTo: alice@example.test\r\nSubject: submitted in eu\r\n\r\nHi.\r\n")).toMatch(/^250/);
    } finally {
      await s.close();
    }
    expect(await inboxOnceFiled("alice@example.test", "submitted in eu")).toContain("submitted in eu");
  });

  it("takes a user's mail at another region's submission port and sends it from their home region", async () => {
    const s = await smtpConnect(system.regions.us!.submissionPort);
    try {
      await s.command("EHLO app.test");
      expect(await s.command(`AUTH PLAIN ${Buffer.from("\0bob@example.test\0not the password").toString("base64")}`)).toMatch(/^535 5\.7\.8/);
      expect(await s.command(`AUTH PLAIN ${Buffer.from(`\0bob@example.test\0${PASSWORD}`).toString("base64")}`)).toMatch(/^235/);
      await s.command("MAIL FROM:<bob@example.test>");
      expect(await s.command("RCPT TO:<alice@example.test>")).toMatch(/^250/);
      expect(await s.data("From: bob@example.test\r\nTo: alice@example.test\r\nSubject: submitted at us\r\n\r\nHi.\r\n")).toMatch(/^250 2\.0\.0/);
      // The home region checks the sender: not bob's, refused.
      await s.command("MAIL FROM:<alice@example.test>");
      await s.command("RCPT TO:<alice@example.test>");
      expect(await s.data("From: alice@example.test\r\nTo: alice@example.test\r\nSubject: forged\r\n\r\nHi.\r\n")).toMatch(/^553 5\.7\.1/);
    } finally {
      await s.close();
    }
    expect(await inboxOnceFiled("alice@example.test", "submitted at us")).toContain("submitted at us");
    // Bob's Sent copy is in his region (served from eu through the edge).
    const { token } = await login("bob@example.test");
    const sent = (await (await fetch(`${system.edge}/api/v1/folders/sent/messages`, { headers: { authorization: `Bearer ${token}` } })).json()) as MessagePage;
    expect(sent.messages.map((m) => m.subject)).toContain("submitted at us");
  });

  it("refuses an address homed in no region, at either MX, and relays nothing elsewhere", async () => {
    expect((await send("us", ["nobody@example.test"], "x"))[2]).toMatch(/^550 5\.1\.1/);
    expect((await send("eu", ["nobody@example.test"], "x"))[2]).toMatch(/^550 5\.1\.1/);
    expect((await send("eu", ["someone@elsewhere.test"], "x"))[2]).toMatch(/^554 5\.7\.1/);
  });

  it("answers the home region's own refusal at RCPT (a full mailbox) from the other region's MX", async () => {
    await system.cli("user", "quota", "bob@example.test", "1K");
    try {
      expect((await send("us", ["bob@example.test"], "too much", "x".repeat(2000)))[2]).toMatch(/^452 4\.2\.2/);
    } finally {
      await system.cli("user", "quota", "bob@example.test", "1G");
    }
  });

  it("the internal hand-off takes only signed calls", async () => {
    const eu = system.regions.eu!.apiUrls[0]!;
    const res = await fetch(`${eu}/internal/v1/relay/deliver`, { method: "POST", body: '{"id":"x"}\nSubject: hi\r\n\r\nhi\r\n' });
    expect(res.status).toBe(401);
  });

  it("writes nothing of an eu user to any us store, byte for byte", async () => {
    const text = "Residency marker 7f3c91e0 in the body";
    // Through the edge: an attachment uploaded, sent to herself, read back; a large held send (its
    // body waits in R2 until the Durable Object's alarm hands it to the core).
    const { token } = await login("carol@example.test");
    const auth = { authorization: `Bearer ${token}` };
    const file = `Attachment marker 7f3c91e0 ${"x".repeat(2000)}`;
    const upload = await fetch(`${system.edge}/api/v1/attachments?filename=marker.txt`, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: file });
    expect(upload.status).toBe(201);
    const uploaded = (await upload.json()) as UploadedAttachment;
    const sent = await fetch(`${system.edge}/api/v1/messages`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ to: ["carol@example.test"], subject: "residency attachment", text, attachments: [{ id: uploaded.id }] }),
    });
    expect(sent.status).toBe(202);
    const held = await fetch(`${system.edge}/api/v1/messages`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ to: ["carol@example.test"], subject: "residency held", text: `${text} ${"y".repeat(120 * 1024)}`, holdSeconds: 1 }),
    });
    expect(held.status).toBe(202);
    expect(await inboxOnceFiled("carol@example.test", "residency attachment")).toContain("residency attachment");
    expect(await inboxOnceFiled("carol@example.test", "residency held")).toContain("residency held");
    const page = (await (await fetch(`${system.edge}/api/v1/folders/inbox/messages`, { headers: auth })).json()) as MessagePage;
    const id = page.messages.find((m) => m.subject === "residency attachment")!.id;
    const message = (await (await fetch(`${system.edge}/api/v1/messages/${id}`, { headers: auth })).json()) as Message;
    const download = await fetch(`${system.edge}/api/v1/messages/${id}/attachments/${message.attachments[0]!.id}`, { headers: auth });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(file);

    // Through us's MX (relayed) and through eu's own.
    expect((await send("us", ["carol@example.test"], "residency via us", text)).at(-1)).toMatch(/^250 /);
    expect((await send("eu", ["carol@example.test"], "residency via eu", text)).at(-1)).toMatch(/^250 /);
    expect(await inboxOnceFiled("carol@example.test", "residency via us")).toContain("residency via us");
    expect(await inboxOnceFiled("carol@example.test", "residency via eu")).toContain("residency via eu");
    // A us user's Durable Object and mail, so that the us stores scanned below are there to scan.
    expect((await send("us", ["alice@example.test"], "residency us mail")).at(-1)).toMatch(/^250 /);
    expect(await inboxOnceFiled("alice@example.test", "residency us mail")).toContain("residency us mail");
    const needles = [ids["carol@example.test"]!, "carol@example.test", "7f3c91e0"].map((s) => Buffer.from(s));
    const found = (dir: string) => files(dir).filter((f) => needles.some((n) => readFileSync(f).includes(n)));
    // eu's stores: the region's folder (shards, directory, spool, queue), its bucket in the edge's R2
    // emulator (objects in r2/<bucket>, their keys in the bucket's SQLite file) and the namespace that
    // stands in for the eu jurisdiction's Durable Objects.
    const edge = path.join(system.dataDir, "edge", "v3");
    const euBucket = bucketFiles(edge, "edgemail-blobs-eu");
    const euHubs = path.join(edge, "do", "edgemail-edge-LocalJurisdictionHub");
    const euStores = [path.join(system.dataDir, "regions", "eu"), ...euBucket, euHubs];
    // The us stores: the region's folder and everything of the edge's that is not eu's — the default
    // namespace's Durable Objects, us's bucket (edgemail-blobs) — and the global directory, which
    // holds only hashed pointers. (carol is written to by no test but this one, so her address reaches
    // us by no legitimate path.)
    const usStores = [path.join(system.dataDir, "regions", "us"), path.join(system.dataDir, "global"), edge];
    expect(files(path.join(edge, "do", "edgemail-edge-MailboxHub")).length).toBeGreaterThan(0);
    expect(bucketFiles(edge, "edgemail-blobs").length).toBeGreaterThan(0);
    const isEu = (f: string) => euStores.some((s) => f === s || f.startsWith(s + path.sep) || f.startsWith(s + "-"));
    expect(usStores.flatMap(found).filter((f) => !isEu(f))).toEqual([]);
    // The scan finds what is there: eu's stores hold all three, and the edge's part of them carol's id
    // (her Durable Object) and the attachment.
    const eu = euStores.flatMap((s) => (statSync(s).isDirectory() ? files(s) : [s])).map((f) => readFileSync(f));
    for (const n of needles) expect(eu.some((bytes) => bytes.includes(n))).toBe(true);
    expect(files(euHubs).some((f) => readFileSync(f).includes(needles[0]!))).toBe(true);
    expect(euBucket.flatMap((s) => (statSync(s).isDirectory() ? files(s) : [s])).some((f) => readFileSync(f).includes(Buffer.from("Attachment marker 7f3c91e0")))).toBe(true);
  });

  // Last: it leaves the us region down.
  it("one region down: its users get 503 with Retry-After and their mail 4xx at the other MX; the other region's users are unaffected", async () => {
    const alice = await login("alice@example.test");
    const usCores = corePids("us");
    expect(usCores.length).toBeGreaterThan(0);
    for (const pid of usCores) process.kill(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));

    // eu's users: signed in although the edge's default region (us) is down, served, and their mail flows.
    const bob = await login("bob@example.test");
    expect((await fetch(`${system.edge}/api/v1/folders`, { headers: { authorization: `Bearer ${bob.token}` } })).status).toBe(200);
    expect((await send("eu", ["bob@example.test"], "while us is down")).at(-1)).toMatch(/^250 /);
    expect(await inboxOnceFiled("bob@example.test", "while us is down")).toContain("while us is down");

    // us's users: 503 with Retry-After for a login and for an API call, and their mail deferred at eu's MX.
    const refused = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "2001:db8:eeee::1" }, body: JSON.stringify({ address: "alice@example.test", password: PASSWORD }) });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // (The folder list and the inbox's head still come from her Durable Object, which holds them; what
    // only her core has does not.)
    const read = await fetch(`${system.edge}/api/v1/folders/sent/messages`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(read.status).toBe(503);
    expect(Number(read.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await send("eu", ["alice@example.test"], "to a region that is down"))[2]).toMatch(/^4\d\d 4\.\d\.\d/);
  });
});

/** The core processes npm start forked for `region` (their parent is the launcher; REGION in their environment). */
function corePids(region: string): number[] {
  const launcher = system.process.process.pid!;
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === launcher && readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`REGION=${region}`);
      } catch {
        return false;
      }
    });
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}
