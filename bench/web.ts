// npm run bench:web [-- --messages 10000 --runs 10 --scroll-seconds 10]
//
// The webmail as a user meets it, on the whole system as `npm start` runs it, in Debian's Chromium:
//  1. first-load JavaScript: what index.html loads before the first screen (its module script and
//     modulepreloads), gzipped as a server sends it; the lazy chunks are listed apart;
//  2. time from navigation to the inbox shown (first row painted), signed in, p50 of `runs` page loads
//     in fresh browser contexts (empty cache: every file is fetched) and in one warm context;
//  3. frames per second while scrolling a folder of `messages` messages from top to bottom at a steady
//     speed (the list pages in from the API as it goes, as it does for a user).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import type { LoginResponse } from "../shared/api.ts";
import { browserMissing, launchBrowser } from "../test/support/browser.ts";
import { startSystem } from "../test/support/system.ts";
import { percentile, runLoad, syntheticMessage } from "./smtp-load.ts";

/** The few browser globals the in-page measurement uses (this file is type-checked without the DOM lib). */
interface InPage {
  document: { querySelector(s: string): { scrollTop: number; getAttribute(n: string): string | null } | null; querySelectorAll(s: string): { length: number } };
  requestAnimationFrame(f: (now: number) => void): void;
}

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "10000" },
    runs: { type: "string", default: "10" },
    "scroll-seconds": { type: "string", default: "10" },
  },
});
const MESSAGES = Number(args.messages);
const RUNS = Number(args.runs);
const SCROLL_SECONDS = Number(args["scroll-seconds"]);
const ROOT = path.resolve(import.meta.dirname, "..");
const DIST = path.join(ROOT, "web/dist");

if (browserMissing) {
  console.error(`bench:web needs a browser: ${browserMissing}`);
  process.exit(1);
}

// ── 1. the build and its first-load size ──
const require = createRequire(import.meta.url);
const viteBin = path.join(path.dirname(require.resolve("vite/package.json")), "bin/vite.js");
execFileSync(process.execPath, [viteBin, "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
const html = readFileSync(path.join(DIST, "index.html"), "utf8");
const firstLoad = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]!.replace(/^\//, ""));
const gz = (file: string) => gzipSync(readFileSync(path.join(DIST, file)), { level: 9 }).length;
const firstLoadGzip = firstLoad.reduce((n, f) => n + gz(f), 0);
const firstLoadRaw = firstLoad.reduce((n, f) => n + statSync(path.join(DIST, f)).size, 0);
const lazy = readdirSync(path.join(DIST, "assets"))
  .filter((f) => f.endsWith(".js") && !firstLoad.includes(`assets/${f}`))
  .map((f) => ({ file: f, gzip: gz(`assets/${f}`) }));
const css = readdirSync(path.join(DIST, "assets")).filter((f) => f.endsWith(".css")).reduce((n, f) => n + gz(`assets/${f}`), 0);
console.log(`first-load JS: ${firstLoad.join(", ")} — ${firstLoadRaw} bytes, ${firstLoadGzip} bytes gzipped (${(firstLoadGzip / 1024).toFixed(1)} KB; budget 60 KB)`);
console.log(`lazy chunks (gzipped): ${lazy.map((l) => `${l.file} ${l.gzip}`).join(", ") || "none"}; CSS ${css} bytes gzipped`);

// ── the system, a user, a full folder ──
const system = await startSystem({ LOG_LEVEL: "warn" });
const browser = await launchBrowser();
try {
  await system.cli("domain", "add", "bench.test");
  await system.cli("user", "add", "reader@bench.test", "--password", "bench password");
  const t0 = performance.now();
  const load = await runLoad({ port: system.smtpPort, sessions: 10, messages: MESSAGES, recipient: () => "reader@bench.test", message: (n) => syntheticMessage(n, 3000, "reader@bench.test") });
  if (load.accepted !== MESSAGES) throw new Error(`only ${load.accepted} of ${MESSAGES} accepted: ${load.refused.slice(0, 3).join("; ")}`);
  const login = (await (
    await fetch(`${system.edge}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: "reader@bench.test", password: "bench password" }) })
  ).json()) as LoginResponse;
  const auth = { authorization: `Bearer ${login.token}` };
  for (;;) {
    const { folders } = (await (await fetch(`${system.edge}/api/v1/folders`, { headers: { ...auth, "cache-control": "no-cache" } })).json()) as { folders: { role: string | null; total: number }[] };
    if ((folders.find((f) => f.role === "inbox")?.total ?? 0) >= MESSAGES) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`seeded ${MESSAGES} messages over SMTP in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const stored = JSON.stringify({ token: login.token, expiresAt: Date.now() + login.expiresIn * 1000, user: login.user });
  const signedIn = async (context: import("playwright-core").BrowserContext) => {
    await context.addInitScript((s: string) => localStorage.setItem("edgemail.session", s), stored);
  };

  // ── 2. navigation → inbox shown ──
  const timeToInbox = async (page: import("playwright-core").Page) => {
    const start = performance.now();
    await page.goto(`${system.edge}/mail/inbox`);
    await page.locator(".row").first().waitFor();
    return performance.now() - start;
  };
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await signedIn(context);
    cold.push(await timeToInbox(await context.newPage()));
    await context.close();
  }
  const warmContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signedIn(warmContext);
  const warmPage = await warmContext.newPage();
  await timeToInbox(warmPage);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await timeToInbox(warmPage));
  console.log(`navigation → inbox shown: p50 ${percentile(cold, 50).toFixed(0)} ms cold (fresh context), ${percentile(warm, 50).toFixed(0)} ms warm; all cold: ${cold.map((t) => t.toFixed(0)).join(" ")}`);

  // ── 3. scrolling 10,000 messages ──
  const scroll = await warmPage.evaluate(async (seconds: number) => {
    const g = globalThis as unknown as InPage;
    const document = g.document;
    const requestAnimationFrame = (f: (now: number) => void) => g.requestAnimationFrame(f);
    const list = document.querySelector(".message-list")!;
    const frames: number[] = [];
    const end = performance.now() + seconds * 1000;
    // A steady fling: as far per second as it takes to cross the whole folder in `seconds`, but at
    // least 3,000 px/s; rows arrive from the API page by page while it runs.
    const rowsTotal = 10000;
    const pxPerMs = Math.max(3, (rowsTotal * 44) / (seconds * 1000));
    let last = performance.now();
    await new Promise<void>((resolve) => {
      const step = (now: number) => {
        frames.push(now);
        list.scrollTop += pxPerMs * (now - last);
        last = now;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
    gaps.sort((a, b) => a - b);
    return {
      fps: (frames.length - 1) / ((frames.at(-1)! - frames[0]!) / 1000),
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
      longFrames: gaps.filter((g) => g > 50).length,
      rowsLoaded: document.querySelectorAll(".rows").length ? Number(document.querySelector(".rows")!.getAttribute("aria-rowcount")) : 0,
      rowsInDom: document.querySelectorAll(".row").length,
      scrolledTo: Math.round(list.scrollTop / 44),
    };
  }, SCROLL_SECONDS);
  console.log(
    `scrolling the ${MESSAGES}-message inbox for ${SCROLL_SECONDS} s: ${scroll.fps.toFixed(1)} fps, p95 frame ${scroll.p95FrameMs.toFixed(1)} ms, ${scroll.longFrames} frames over 50 ms; ` +
      `${scroll.rowsLoaded} rows loaded, reached row ${scroll.scrolledTo}, ${scroll.rowsInDom} rows in the DOM`,
  );
  const result = { at: new Date().toISOString(), firstLoad: { files: firstLoad, raw: firstLoadRaw, gzip: firstLoadGzip }, lazy, cssGzip: css, navigationToInboxMs: { coldP50: percentile(cold, 50), warmP50: percentile(warm, 50), cold, warm }, scroll };
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results", `web-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await system.stop();
}
