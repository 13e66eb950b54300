// The local R2 emulator lives outside the core's process: a core started alone runs it in a child
// process, which goes when the core goes, even on kill -9 (no workerd left behind).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Child } from "../../../test/support/process.ts";
import { startCoreProcess } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";
import { httpBlobStore } from "./local-r2.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-local-r2-"));
let child: Child | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** A live process's executable name and parent, from /proc (null once it is gone or a zombie). */
function proc(pid: number): { name: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [, name, state, ppid] = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat)!;
    return state === "Z" ? null : { name: name!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

function descendants(root: number): { pid: number; name: string }[] {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
  const found: { pid: number; name: string }[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const pid of all) {
      const p = proc(pid);
      if (p && parents.has(p.ppid) && !parents.has(pid)) {
        parents.add(pid);
        found.push({ pid, name: p.name });
        grew = true;
      }
    }
  }
  return found;
}

describe("local R2 beside a core", () => {
  it("runs in a child process that a kill -9 of the core takes down, workerd and all", { timeout: 60_000 }, async () => {
    const started = await startCoreProcess(dataDir, { SMTP_PORT: "0", API_PORT: "0", LOG_LEVEL: "info" });
    child = started.child;
    const core = child.process.pid!;
    const helpers = descendants(core);
    expect(helpers.map((h) => h.name)).toContain("workerd");
    expect(helpers.filter((h) => h.name !== "workerd").length).toBeGreaterThanOrEqual(1);

    // The emulator answers over HTTP: the core's blob store is a client of it, like any other process.
    const gatewayPort = Number(/"blobs":"http:\/\/127\.0\.0\.1:(\d+)\/?"/.exec(child.output())?.[1]);
    expect(gatewayPort).toBeGreaterThan(0);
    const blobs = httpBlobStore(`http://127.0.0.1:${gatewayPort}`);
    await blobs.put("probe/one", new TextEncoder().encode("here"));
    expect(Buffer.from((await blobs.get("probe/one"))!).toString()).toBe("here");

    process.kill(core, "SIGKILL"); // the core alone, not its process group
    await child.exited;
    await until(() => helpers.every((h) => proc(h.pid) === null), "the emulator and its workerd gone", 20_000);
    expect(existsSync(path.join(dataDir, "edge", "v3"))).toBe(true);
  });
});
