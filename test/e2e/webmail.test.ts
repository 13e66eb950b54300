// The webmail in real headless Chromium against the system started as `npm start` starts it: what a
// person does (sign in, read mail arriving live, reply, undo a send, search, attach and download, the
// keyboard), and what a hostile HTML mail must not do (run anything, or make the browser contact any host
// but the edge: the request log of the page is the witness). Screenshots of the main screens go to
// test-results/webmail/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import nodemailer, { type SendMailOptions } from "nodemailer";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { LoginResponse, Message, MessagePage, Thread } from "../../shared/api.ts";
import { browserMissing, launchBrowser } from "../support/browser.ts";
import { startSystem, type System } from "../support/system.ts";
import { until } from "../support/until.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHOTS = path.join(ROOT, "test-results/webmail");
const PASSWORD = "correct horse battery";

let system: System;
let browser: Browser;
/** A server on loopback standing for every remote host a hostile mail names: it must never be asked by the browser. */
let trap: http.Server;
const trapRequests: { url: string; userAgent: string }[] = [];
let trapOrigin: string;

// 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

function buildWebIfMissing(): void {
  // `npm test` builds first (pretest); a single file run by hand may find no build.
  if (existsSync(path.join(ROOT, "web/dist/index.html"))) return;
  const require = createRequire(import.meta.url);
  const vite = path.join(path.dirname(require.resolve("vite/package.json")), "bin/vite.js");
  execFileSync(process.execPath, [vite, "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
}

async function smtp(message: SendMailOptions): Promise<void> {
  await nodemailer.createTransport({ host: "127.0.0.1", port: system.smtpPort, secure: false, ignoreTLS: true }).sendMail(message);
}

async function apiLogin(address: string): Promise<string> {
  const r = await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" }, body: JSON.stringify({ address, password: PASSWORD }) });
  return ((await r.json()) as LoginResponse).token;
}

async function apiGet<T>(token: string, p: string): Promise<T> {
  const r = await fetch(`${system.edge}/api/v1${p}`, { headers: { authorization: `Bearer ${token}`, "cache-control": "no-cache" } });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every URL the page's browser asked for, frames included. */
  requests: string[];
  /** Dialogs (alert, confirm) and page errors: a script that ran would show here. */
  incidents: string[];
}

async function openSession(viewport = { width: 1280, height: 800 }, colorScheme: "light" | "dark" = "light"): Promise<Session> {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  const requests: string[] = [];
  const incidents: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  page.on("dialog", (d) => {
    incidents.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on("pageerror", (e) => incidents.push(`pageerror: ${e.message}`));
  return { context, page, requests, incidents };
}

async function signIn(s: Session, address: string): Promise<void> {
  await s.page.goto(system.edge);
  await s.page.getByLabel("Email address").fill(address);
  await s.page.getByLabel("Password").fill(PASSWORD);
  await s.page.getByRole("button", { name: "Sign in" }).click();
  await s.page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: /Inbox/ }).waitFor();
}

const shot = (s: Session, name: string) => s.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const hostsOf = (urls: string[]) => [...new Set(urls.filter((u) => /^(https?|wss?):/.test(u)).map((u) => new URL(u).host))];

describe.skipIf(browserMissing !== null)(`webmail in Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  let alice: Session;

  beforeAll(async () => {
    buildWebIfMissing();
    mkdirSync(SHOTS, { recursive: true });
    trap = http.createServer((req, res) => {
      trapRequests.push({ url: req.url ?? "", userAgent: req.headers["user-agent"] ?? "" });
      if (req.url?.endsWith(".png")) res.writeHead(200, { "content-type": "image/png" }).end(PNG);
      else res.writeHead(200, { "content-type": "text/css" }).end("body{background:red}");
    });
    await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
    trapOrigin = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    // The edge fetches allowed remote images itself; here the "remote" host is on loopback.
    system = await startSystem({ WEBHOOK_ALLOW_PRIVATE: "true", HOSTNAME: "mx.example.test" });
    await system.cli("domain", "add", "example.test");
    await system.cli("user", "add", "alice@example.test", "--password", PASSWORD);
    await system.cli("user", "add", "bob@example.test", "--password", PASSWORD);
    browser = await launchBrowser();
    alice = await openSession();
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    trap?.close();
  });

  it("signs in with labelled fields and shows the folders", async () => {
    await signIn(alice, "alice@example.test");
    const folders = alice.page.getByRole("navigation", { name: "Folders" });
    for (const name of ["Inbox", "Sent", "Drafts", "Spam", "Trash"]) await expect(folders.getByRole("link", { name: new RegExp(`^${name}`) }).count()).resolves.toBe(1);
  });

  it("shows a message sent over SMTP without a reload, bold and counted, then opens it", async () => {
    const before = alice.requests.filter((u) => u.endsWith("/mail/inbox") || u === `${system.edge}/`).length;
    await smtp({ from: "Carol Remote <carol@remote.test>", to: "alice@example.test", subject: "Live arrival", text: "Arrived while the page was open. See https://example.org/x" });
    const row = alice.page.locator(".row", { hasText: "Live arrival" });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute("class")).toContain("unread");
    await expect(alice.page.getByRole("link", { name: /Inbox, 1 unread/ }).count()).resolves.toBe(1);
    expect(await alice.page.title()).toMatch(/^\(1\) Inbox/);
    // No navigation happened: the page was not reloaded.
    expect(alice.requests.filter((u) => u.endsWith("/mail/inbox") || u === `${system.edge}/`).length).toBe(before);
    await shot(alice, "inbox");
    await row.getByRole("link").click();
    await alice.page.getByRole("heading", { name: "Live arrival" }).waitFor();
    await until(async () => !(await alice.page.title()).startsWith("("), "the unread count to leave the title");
    await shot(alice, "message");
  });

  it("moves through the list with j/k, opens with o, goes back with u, and shows the help with ?", async () => {
    await smtp({ from: "Dora <dora@remote.test>", to: "alice@example.test", subject: "Second for keys", text: "two" });
    await alice.page.keyboard.press("u");
    await alice.page.locator(".row", { hasText: "Second for keys" }).waitFor();
    await alice.page.locator("body").click({ position: { x: 5, y: 5 } });
    await alice.page.keyboard.press("j");
    await alice.page.keyboard.press("k");
    await expect(alice.page.locator(".row.focused").textContent()).resolves.toContain("Second for keys");
    await alice.page.keyboard.press("j");
    await expect(alice.page.locator(".row.focused").textContent()).resolves.toContain("Live arrival");
    await alice.page.keyboard.press("o");
    await alice.page.getByRole("heading", { name: "Live arrival" }).waitFor();
    await alice.page.keyboard.press("u");
    await alice.page.locator(".row.focused").waitFor();
    await alice.page.keyboard.press("?");
    const help = alice.page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    expect(await help.textContent()).toContain("Reply all");
    await shot(alice, "help");
    await alice.page.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });
  });

  it("searches with the API's operators and highlights the match", async () => {
    await smtp({ from: "Quentin <quentin@remote.test>", to: "alice@example.test", subject: "Quarterly figures", text: "The zanzibar budget is attached somewhere." });
    const token = await apiLogin("alice@example.test");
    await until(async () => (await apiGet<MessagePage>(token, "/search?q=zanzibar")).messages.length === 1, "the message to be searchable");
    await alice.page.getByRole("searchbox", { name: "Search mail" }).fill("zanzibar from:quentin");
    await alice.page.keyboard.press("Enter");
    const result = alice.page.locator(".row", { hasText: "Quarterly figures" });
    await result.waitFor();
    expect(await result.locator("mark").first().textContent()).toMatch(/zanzibar/i);
    expect(await alice.page.locator(".row").count()).toBe(1);
    await shot(alice, "search");
  });

  it("shows a hostile HTML mail without running anything or contacting any host but the edge", async () => {
    const t = trapOrigin;
    await smtp({
      from: "Mallory <mallory@remote.test>",
      to: "alice@example.test",
      subject: "Hostile markup",
      html: `<html><head><meta http-equiv="refresh" content="0;url=${t}/meta"><link rel="stylesheet" href="${t}/link.css">
<style>@import url("${t}/import.css"); body { background: url(${t}/bg.png) } .x { background-image: url('${t}/class.png') }</style>
<script>parent.document.title = "pwned-script"; fetch("${t}/script");</script></head>
<body><p class="x">HOSTILE-MARKER visible text</p>
<img src="${t}/img.png" onerror="parent.document.title='pwned-onerror'" alt="remote picture">
<img src="nonexistent" onerror="parent.document.title='pwned-onerror2'">
<a id="jslink" href="javascript:parent.document.title='pwned-js'">click me</a>
<form action="${t}/form" method="post"><input name="password"><button>Go</button></form>
<svg><script>parent.document.title='pwned-svg'</script><image href="${t}/svg.png" width="10" height="10"/></svg>
<div style="background-image:url('${t}/style.png')">styled</div>
<iframe src="${t}/frame"></iframe><object data="${t}/object"></object><video poster="${t}/poster.png"></video>
<a href="https://example.org/ok">a normal link</a></body></html>`,
    });
    await alice.page.goto(`${system.edge}/mail/inbox`);
    const row = alice.page.locator(".row", { hasText: "Hostile markup" });
    await row.waitFor({ timeout: 20_000 });
    await row.getByRole("link").click();
    const frame = alice.page.frameLocator("iframe.message-frame, .message iframe").first();
    await frame.getByText("HOSTILE-MARKER visible text").waitFor();
    // Links open a new tab without a handle on this one; the javascript: link is no link any more.
    const normal = frame.getByRole("link", { name: "a normal link" });
    expect(await normal.getAttribute("target")).toBe("_blank");
    expect(await normal.getAttribute("rel")).toMatch(/noopener/);
    const js = frame.locator("#jslink, a:has-text('click me')").first();
    expect((await js.getAttribute("href")) ?? "").not.toMatch(/javascript:/i);
    await js.click({ timeout: 2000 }).catch(() => undefined);
    await expect(frame.locator("form, input, script, svg, iframe, object, meta").count()).resolves.toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    // The page's title is the app's (unread count, place, user): no script of the mail rewrote it.
    expect(await alice.page.title()).toMatch(/^(\(\d+\) )?Hostile markup|Inbox — alice@example\.test$/);
    expect(await alice.page.title()).not.toMatch(/pwned/);
    expect(alice.incidents).toEqual([]);
    expect(trapRequests).toEqual([]);
    expect(hostsOf(alice.requests)).toEqual([new URL(system.edge).host]);
    await shot(alice, "hostile-mail");
    // Showing the images asks the edge for them: the remote host sees the edge's proxy, never the browser.
    await alice.page.getByRole("button", { name: "Show images" }).click();
    await until(() => trapRequests.some((r) => r.url === "/img.png"), "the edge to fetch the allowed image");
    expect(trapRequests.every((r) => r.userAgent === "edgemail-image-proxy")).toBe(true);
    await until(async () => (await frame.locator('img[src^="data:image/png"]').count()) > 0, "the image to show from a data: URL");
    expect(hostsOf(alice.requests)).toEqual([new URL(system.edge).host]);
    expect(alice.incidents).toEqual([]);
  });

  it("shows flags changed elsewhere without a reload", async () => {
    const token = await apiLogin("alice@example.test");
    await alice.page.goto(`${system.edge}/mail/inbox`);
    const row = alice.page.locator(".row", { hasText: "Second for keys" });
    await row.waitFor();
    expect(await row.getByRole("button", { name: "Not starred" }).count()).toBe(1);
    const id = await row.getAttribute("data-id");
    const patched = await fetch(`${system.edge}/api/v1/messages/${id}`, { method: "PATCH", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ starred: true, read: false }) });
    expect(patched.status).toBe(200);
    await row.getByRole("button", { name: "Starred" }).waitFor({ timeout: 15_000 });
    await until(async () => (await row.getAttribute("class"))?.includes("unread"), "the row to turn bold");
  });

  it("leads from a message's label to every message that carries it (keyword: search)", async () => {
    const token = await apiLogin("alice@example.test");
    await smtp({ from: "Rita <rita@remote.test>", to: "alice@example.test", subject: "Receipt 1", text: "one" });
    await smtp({ from: "Rita <rita@remote.test>", to: "alice@example.test", subject: "Receipt 2", text: "two" });
    const inbox = async () => (await apiGet<MessagePage>(token, "/folders/inbox/messages?limit=50")).messages;
    await until(async () => (await inbox()).filter((m) => m.subject.startsWith("Receipt ")).length === 2, "both receipts filed");
    for (const m of (await inbox()).filter((x) => x.subject.startsWith("Receipt "))) {
      const r = await fetch(`${system.edge}/api/v1/messages/${m.id}`, { method: "PATCH", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ keywords: { add: ["Receipts"] } }) });
      expect(r.status).toBe(200);
    }
    await alice.page.goto(`${system.edge}/mail/inbox`);
    // The sidebar lists the label with its unread count.
    await alice.page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: "Label Receipts, 2 unread" }).waitFor();
    await alice.page.locator(".row", { hasText: "Receipt 1" }).getByRole("link").click();
    await alice.page.getByRole("heading", { name: /Receipt 1/ }).waitFor();
    await alice.page.getByRole("link", { name: "All messages labelled Receipts" }).click();
    await alice.page.locator(".row", { hasText: "Receipt 2" }).waitFor();
    expect(await alice.page.locator(".row").count()).toBe(2);
    expect(await alice.page.getByRole("searchbox", { name: "Search mail" }).inputValue()).toBe("keyword:Receipts");
    // Opening Receipt 1 read it: the sidebar's count follows.
    await alice.page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: "Label Receipts, 1 unread" }).waitFor({ timeout: 15_000 });
  });

  it("archives several selected conversations in one request, and undoes it", async () => {
    const token = await apiLogin("alice@example.test");
    const subjects = ["Bulk one", "Bulk two", "Bulk three"];
    for (const subject of subjects) await smtp({ from: "Erin <erin@remote.test>", to: "alice@example.test", subject, text: subject });
    await alice.page.goto(`${system.edge}/mail/inbox`);
    for (const subject of subjects) await alice.page.locator(".row", { hasText: subject }).waitFor({ timeout: 20_000 });
    const patches: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => void (r.method() === "PATCH" && patches.push(new URL(r.url()).pathname));
    alice.page.on("request", onRequest);
    try {
      for (const subject of subjects) await alice.page.getByRole("checkbox", { name: `Select conversation: ${subject}` }).check();
      await alice.page.getByRole("toolbar", { name: "Conversation actions" }).getByRole("button", { name: "Archive" }).click();
      for (const subject of subjects) await alice.page.locator(".row", { hasText: subject }).waitFor({ state: "detached" });
      const where = async () => {
        const archived = (await apiGet<MessagePage>(token, "/folders/archive/messages?limit=50")).messages.map((m) => m.subject);
        return subjects.filter((x) => archived.includes(x)).length;
      };
      await until(async () => (await where()) === 3, "the three in Archive");
      // One bulk call, not one per message.
      expect(patches).toEqual(["/api/v1/messages"]);
      await alice.page.getByRole("button", { name: "Undo" }).click();
      for (const subject of subjects) await alice.page.locator(".row", { hasText: subject }).waitFor({ timeout: 15_000 });
      expect(await where()).toBe(0);
      expect(patches).toEqual(["/api/v1/messages", "/api/v1/messages"]);
    } finally {
      alice.page.off("request", onRequest);
    }
  });

  it("deletes and reports spam for several selected conversations, one request for each action", async () => {
    const token = await apiLogin("alice@example.test");
    const doomed = ["Delete me one", "Delete me two"];
    const spam = ["Spam one", "Spam two"];
    for (const subject of [...doomed, ...spam]) await smtp({ from: "Erin <erin@remote.test>", to: "alice@example.test", subject, text: subject });
    await alice.page.goto(`${system.edge}/mail/inbox`);
    for (const subject of [...doomed, ...spam]) await alice.page.locator(".row", { hasText: subject }).waitFor({ timeout: 20_000 });
    const calls: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      const url = new URL(r.url());
      if (r.method() !== "GET" && url.pathname.startsWith("/api/v1/messages")) calls.push(`${r.method()} ${url.pathname}`);
    };
    alice.page.on("request", onRequest);
    const toolbar = alice.page.getByRole("toolbar", { name: "Conversation actions" });
    const subjectsIn = async (folder: string) => (await apiGet<MessagePage>(token, `/folders/${folder}/messages?limit=100`)).messages.map((m) => m.subject);
    try {
      for (const subject of doomed) await alice.page.getByRole("checkbox", { name: `Select conversation: ${subject}` }).check();
      await toolbar.getByRole("button", { name: "Delete", exact: true }).click();
      for (const subject of doomed) await alice.page.locator(".row", { hasText: subject }).waitFor({ state: "detached" });
      await until(async () => (await subjectsIn("trash")).filter((x) => doomed.includes(x)).length === 2, "both in Trash");
      expect(calls).toEqual(["POST /api/v1/messages/delete"]);
      for (const subject of spam) await alice.page.getByRole("checkbox", { name: `Select conversation: ${subject}` }).check();
      await toolbar.getByRole("button", { name: "Report spam" }).click();
      await until(async () => (await subjectsIn("junk")).filter((x) => spam.includes(x)).length === 2, "both in Junk");
      expect(calls).toEqual(["POST /api/v1/messages/delete", "PATCH /api/v1/messages"]);
    } finally {
      alice.page.off("request", onRequest);
    }
  });

  it("falls back to long-polling where WebSockets are blocked, and still shows new mail live", async () => {
    const s = await openSession();
    // A network that refuses WebSockets: every upgrade to the events socket is closed at once.
    await s.page.routeWebSocket(/\/api\/v1\/events\/ws/, (ws) => ws.close({ code: 1006 }).catch(() => ws.close()));
    await signIn(s, "alice@example.test");
    await until(() => s.requests.some((u) => /\/api\/v1\/events\?/.test(u)), "the app to long-poll /events", 30_000);
    await smtp({ from: "Pat <pat@remote.test>", to: "alice@example.test", subject: "Through the long poll", text: "polled" });
    await s.page.locator(".row", { hasText: "Through the long poll" }).waitFor({ timeout: 30_000 });
    await s.context.close();
  });

  it("takes an expired session back to sign-in without losing the draft being written", async () => {
    const s = await openSession();
    await signIn(s, "alice@example.test");
    const win = await compose(s, "bob@example.test", "Written across a sign-in", "Every word of this stays.");
    // The session ends elsewhere (signed out everywhere, or expired): the next call gets 401.
    const token = await s.page.evaluate<string>("JSON.parse(localStorage.getItem('edgemail.session')).token");
    expect((await fetch(`${system.edge}/api/v1/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    await win.getByRole("textbox", { name: "Message body" }).press("End");
    await win.getByRole("textbox", { name: "Message body" }).pressSequentially(" And this.");
    await s.page.getByLabel("Email address").waitFor({ timeout: 20_000 });
    expect(await s.page.getByText(/session has ended/i).count()).toBeGreaterThan(0);
    await s.page.getByLabel("Password").fill(PASSWORD);
    await s.page.getByRole("button", { name: "Sign in" }).click();
    const back = s.page.getByRole("dialog", { name: /Written across a sign-in/ }).last();
    const reopen = s.page.getByRole("button", { name: /Reopen/ });
    await Promise.race([back.waitFor({ timeout: 20_000 }), reopen.click({ timeout: 20_000 })]);
    await back.waitFor();
    const body = back.getByRole("textbox", { name: "Message body" });
    expect(await body.textContent()).toContain("Every word of this stays. And this.");
    await back.getByRole("button", { name: "Discard draft" }).click();
    await s.context.close();
  });

  /** Opens a composer (c), fills To and Subject and the body. */
  async function compose(s: Session, to: string, subject: string, body: string): Promise<import("playwright-core").Locator> {
    await s.page.getByRole("button", { name: "Compose" }).first().click();
    const win = s.page.getByRole("dialog", { name: /New message/ }).last();
    await win.getByLabel("To", { exact: true }).fill(to);
    await win.getByLabel("Subject").fill(subject);
    await win.getByRole("textbox", { name: "Message body" }).fill(body);
    return s.page.getByRole("dialog", { name: new RegExp(subject) }).last();
  }

  async function inboxOf(token: string, subject: string): Promise<Message | null> {
    const page = await apiGet<MessagePage>(token, "/folders/inbox/messages?limit=50");
    const hit = page.messages.find((m) => m.subject === subject);
    return hit ? apiGet<Message>(token, `/messages/${hit.id}`) : null;
  }

  it("replies to a message; the sender sees the reply in the same conversation, and so does the user", async () => {
    const bobToken = await apiLogin("bob@example.test");
    const sent = await fetch(`${system.edge}/api/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${bobToken}`, "content-type": "application/json" },
      body: JSON.stringify({ to: ["alice@example.test"], subject: "Plans for Friday", text: "Shall we meet at noon?" }),
    });
    expect(sent.status).toBe(202);
    await alice.page.goto(`${system.edge}/mail/inbox`);
    const row = alice.page.locator(".row", { hasText: "Plans for Friday" });
    await row.waitFor({ timeout: 20_000 });
    await row.getByRole("link").click();
    await alice.page.getByRole("heading", { name: "Plans for Friday" }).waitFor();
    await alice.page.getByRole("button", { name: "Reply", exact: true }).first().click();
    const win = alice.page.getByRole("dialog", { name: /Re: Plans for Friday/ }).last();
    await win.waitFor();
    await shot(alice, "compose-reply");
    await win.getByRole("textbox", { name: "Message body" }).press("Control+Home");
    await win.getByRole("textbox", { name: "Message body" }).pressSequentially("Noon works for me.\n");
    await win.getByRole("button", { name: "Send", exact: true }).click();
    await win.waitFor({ state: "detached" });
    // Held for the undo window (10 s by default), then delivered.
    const reply = await until(() => inboxOf(bobToken, "Re: Plans for Friday"), "bob to get the reply", 45_000);
    expect(reply.text).toContain("Noon works for me.");
    const thread = await apiGet<Thread>(bobToken, `/threads/${reply.threadId}`);
    expect(thread.messages.map((m) => m.subject)).toEqual(["Plans for Friday", "Re: Plans for Friday"]);
    // Alice's conversation holds her own reply from Sent.
    await alice.page.reload();
    await alice.page.locator(".thread > li").nth(1).waitFor({ timeout: 20_000 });
    expect(await alice.page.locator(".thread > li").count()).toBe(2);
  });

  it("undoes a send within the window: nothing is delivered, and the message comes back to edit", async () => {
    const bobToken = await apiLogin("bob@example.test");
    await alice.page.goto(`${system.edge}/mail/inbox`);
    const win = await compose(alice, "bob@example.test", "Sent in haste", "I take that back.");
    await shot(alice, "compose");
    await win.getByRole("button", { name: "Send", exact: true }).click();
    await alice.page.getByRole("button", { name: "Undo" }).click();
    const back = alice.page.getByRole("dialog", { name: /Sent in haste/ }).last();
    await back.waitFor();
    expect(await back.getByRole("textbox", { name: "Message body" }).textContent().then((t) => t || back.getByRole("textbox", { name: "Message body" }).inputValue())).toContain("I take that back.");
    // Past the hold: not in bob's inbox, not in alice's Sent.
    await new Promise((r) => setTimeout(r, 13_000));
    expect(await inboxOf(bobToken, "Sent in haste")).toBeNull();
    const aliceToken = await apiLogin("alice@example.test");
    const sentFolder = await apiGet<MessagePage>(aliceToken, "/folders/sent/messages?limit=50");
    expect(sentFolder.messages.some((m) => m.subject === "Sent in haste")).toBe(false);
    await back.getByRole("button", { name: "Discard draft" }).click();
  });

  it("sends after the tab is closed: the service holds the message, not the page", async () => {
    const bobToken = await apiLogin("bob@example.test");
    const s = await openSession();
    await signIn(s, "alice@example.test");
    const win = await compose(s, "bob@example.test", "Closed the tab", "Sent, then the tab was closed.");
    await win.getByRole("button", { name: "Send", exact: true }).click();
    await s.page.getByRole("button", { name: "Undo" }).waitFor();
    await s.context.close();
    await until(() => inboxOf(bobToken, "Closed the tab"), "the message to arrive after the tab closed", 45_000);
  });

  it("uploads an attachment and the recipient downloads it byte for byte", async () => {
    const bytes = randomBytes(300_000);
    const bobToken = await apiLogin("bob@example.test");
    await alice.page.goto(`${system.edge}/mail/inbox`);
    const win = await compose(alice, "bob@example.test", "The data file", "Attached.");
    await win.locator('input[type="file"]').setInputFiles({ name: "data.bin", mimeType: "application/octet-stream", buffer: bytes });
    await win.getByText("data.bin").waitFor();
    await until(async () => (await win.locator("progress").count()) === 0, "the upload to finish", 30_000);
    await win.getByRole("button", { name: "Send", exact: true }).click();
    await win.waitFor({ state: "detached" });
    await until(() => inboxOf(bobToken, "The data file"), "bob to get the attachment", 45_000);
    const bob = await openSession();
    await signIn(bob, "bob@example.test");
    await bob.page.locator(".row", { hasText: "The data file" }).getByRole("link").click();
    const [file] = await Promise.all([bob.page.waitForEvent("download"), bob.page.getByRole("button", { name: /Download.*data\.bin|data\.bin.*Download/ }).click()]);
    expect(file.suggestedFilename()).toBe("data.bin");
    const stream = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(hostsOf(bob.requests)).toEqual([new URL(system.edge).host]);
    await bob.context.close();
  });

  it("shows the settings, the dark theme and a phone-sized screen", async () => {
    await alice.page.goto(`${system.edge}/settings/general`);
    await alice.page.getByRole("heading", { level: 1 }).first().waitFor();
    await shot(alice, "settings-general");
    await alice.page.goto(`${system.edge}/settings/filters`);
    await alice.page.waitForLoadState("networkidle");
    await shot(alice, "settings-filters");
    const dark = await openSession({ width: 1280, height: 800 }, "dark");
    await signIn(dark, "alice@example.test");
    await dark.page.locator(".row").first().waitFor();
    expect(await dark.page.evaluate("getComputedStyle(document.body).backgroundColor")).not.toBe("rgb(255, 255, 255)");
    await shot(dark, "inbox-dark");
    await dark.context.close();
    const phone = await openSession({ width: 390, height: 844 });
    await signIn(phone, "alice@example.test");
    await phone.page.locator(".row").first().waitFor();
    // Nothing wider than the screen.
    expect(await phone.page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shot(phone, "inbox-phone");
    await phone.page.locator(".row", { hasText: "Plans for Friday" }).getByRole("link").click();
    // The conversation with alice's rich-text reply, drawn in its frame.
    await phone.page.frameLocator(".message iframe").last().getByText("Noon works for me.").waitFor();
    await shot(phone, "message-phone");
    await phone.page.getByRole("button", { name: "Folders" }).click();
    await phone.page.getByRole("link", { name: "Settings" }).last().waitFor();
    await shot(phone, "drawer-phone");
    await phone.context.close();
  });
});
