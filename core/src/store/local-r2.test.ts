// The local R2 emulator lives outside the core's process: a core started alone runs it in a child
// process, which goes when the core goes, even on kill -9 (no workerd left behind).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Child } from "../../../test/support/process.ts";
import { descendants, processInfo } from "../../../test/support/process-tree.ts";
import { startCoreProcess } from "../../../test/support/temp-core.ts";
import { until } from "../../../test/support/until.ts";
import { httpBlobStore } from "./local-r2.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "edgemail-local-r2-"));
let child: Child | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

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
    await until(() => helpers.every((h) => processInfo(h.pid) === null), "the emulator and its workerd gone", 20_000);
    expect(existsSync(path.join(dataDir, "edge", "v3"))).toBe(true);
  });
});
