import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { startSqldPair } from "./local-sqld.ts";
import { until } from "../../test/support/until.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("local sqld", () => {
  it("runs a primary and a replica that follows it; writes through the replica reach the primary", async () => {
    const pair = await startSqldPair(mkdtempSync(path.join(tmpdir(), "sqld-")));
    const primary = createClient({ url: pair.primary.url });
    const replica = createClient({ url: pair.replica.url });
    try {
      await primary.execute("CREATE TABLE t (a INTEGER)");
      await primary.execute("INSERT INTO t VALUES (1)");
      await until(async () => (await replica.execute("SELECT count(*) AS n FROM t").catch(() => null))?.rows[0]?.n === 1, "the replica to follow the primary");
      await replica.execute("INSERT INTO t VALUES (2)");
      expect((await primary.execute("SELECT count(*) AS n FROM t")).rows[0]!.n).toBe(2);
    } finally {
      primary.close();
      replica.close();
      await pair.stop();
    }
    expect(alive(pair.primary.pid) || alive(pair.replica.pid)).toBe(false);
  });

  it("leaves no server behind when the process that started it is killed with SIGKILL", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sqld-orphan-"));
    const script = `import { startSqldPair } from ${JSON.stringify(path.resolve(import.meta.dirname, "local-sqld.ts"))};
      const p = await startSqldPair(${JSON.stringify(dir)}); console.log(JSON.stringify([p.primary.pid, p.replica.pid])); setInterval(() => {}, 1000);`;
    const launcher = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      launcher.stdout.once("data", (d: Buffer) => resolve(JSON.parse(d.toString()) as number[]));
      launcher.once("exit", (code) => reject(new Error(`launcher exited ${code}`)));
    });
    expect(pids.every(alive)).toBe(true);
    launcher.kill("SIGKILL");
    await until(() => !pids.some(alive), "the servers to go", 15_000);
  });
});
