import { mkdtempSync, readdirSync, statSync, truncateSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { createLogger, setLogLevel } from "../log.ts";
import { Spool } from "./spool.ts";

setLogLevel("silent");
const log = createLogger();
const tempDir = () => mkdtempSync(path.join(tmpdir(), "spool-"));
const entry = (n: number, size = 100) => ({ id: uuidv7(), receivedAt: Date.now(), meta: { n }, raw: Buffer.alloc(size, n % 256) });

describe("spool", () => {
  it("gives back, after a restart, every appended message that was not completed", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log });
    const entries = Array.from({ length: 10 }, (_, i) => entry(i));
    for (const e of entries) await spool.append(e);
    spool.complete(entries.slice(0, 4).map((e) => e.id));
    const later = entry(10);
    await spool.append(later); // by now the done records are written (the sync made them durable)
    // no close(): as after a crash
    const { recovered } = await Spool.open<{ n: number }>(dir, { log });
    expect(recovered.map((e) => e.id)).toEqual([...entries.slice(4), later].map((e) => e.id));
    expect(recovered[0]!.raw.equals(entries[4]!.raw)).toBe(true);
    expect(recovered[0]!.meta).toEqual({ n: 4 });
  });

  it("never syncs for done records alone; a lost done record only means a refiling", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log });
    const e = entry(1);
    await spool.append(e);
    const syncs = spool.stats().syncs;
    spool.complete([e.id]);
    await spool.close(); // writes the done record, without a sync
    expect(spool.stats().syncs).toBe(syncs);
    expect((await Spool.open<{ n: number }>(dir, { log })).recovered).toEqual([]);
  });

  it("shares one sync among appends that arrive together (group commit)", async () => {
    const { spool } = await Spool.open<{ n: number }>(tempDir(), { log });
    await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append(entry(i))));
    expect(spool.stats().outstanding).toBe(200);
    expect(spool.stats().syncs).toBeLessThan(20);
  });

  it("drops a torn tail (a write that never finished its sync) and keeps everything before it", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log });
    const kept = [entry(1), entry(2)];
    for (const e of kept) await spool.append(e);
    const [segment] = readdirSync(dir);
    const file = path.join(dir, segment!);
    const size = statSync(file).size;
    await spool.append(entry(3, 5000));
    truncateSync(file, size + 2000); // the third record is cut in half
    const { recovered, spool: again } = await Spool.open<{ n: number }>(dir, { log });
    expect(recovered.map((e) => e.id)).toEqual(kept.map((e) => e.id));
    expect(statSync(file).size).toBe(size);
    // new appends after recovery are readable after another restart
    const later = entry(4);
    await again.append(later);
    const third = await Spool.open<{ n: number }>(dir, { log });
    expect(third.recovered.map((e) => e.id)).toEqual([...kept, later].map((e) => e.id));
  });

  it("ignores garbage after the last record of the last segment", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log });
    const e = entry(1);
    await spool.append(e);
    appendFileSync(path.join(dir, readdirSync(dir)[0]!), Buffer.from("not a record at all"));
    const { recovered } = await Spool.open<{ n: number }>(dir, { log });
    expect(recovered.map((r) => r.id)).toEqual([e.id]);
  });

  it("rotates segments and deletes the ones whose messages are all filed", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log, segmentBytes: 4096 });
    const entries = [];
    for (let i = 0; i < 40; i++) {
      const e = entry(i, 1000);
      entries.push(e);
      await spool.append(e);
    }
    expect(readdirSync(dir).length).toBeGreaterThan(5);
    spool.complete(entries.map((e) => e.id));
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir).length).toBe(1);
    await spool.close();
    const { recovered } = await Spool.open<{ n: number }>(dir, { log });
    expect(recovered).toEqual([]);
  });

  it("keeps a segment while any of its messages is unfiled", async () => {
    const dir = tempDir();
    const { spool } = await Spool.open<{ n: number }>(dir, { log, segmentBytes: 2048 });
    const entries = [];
    for (let i = 0; i < 10; i++) {
      const e = entry(i, 1000);
      entries.push(e);
      await spool.append(e);
    }
    spool.complete(entries.slice(1).map((e) => e.id));
    await spool.close();
    const { recovered } = await Spool.open<{ n: number }>(dir, { log });
    expect(recovered.map((e) => e.id)).toEqual([entries[0]!.id]);
  });
});
