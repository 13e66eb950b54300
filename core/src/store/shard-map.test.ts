// The shard map's part in the directory, on real libSQL files: an isolate that watches takes in a shard
// added while it runs and says so; one that does not finds it when asked for it; the seed wins a name
// it shares with an added shard; a shard that cannot be opened holds back the look until it can.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Directory } from "./directory.ts";
import { openDatabase } from "./libsql.ts";
import { getUsage } from "./mailbox.ts";
import { rendezvousPick } from "./rendezvous.ts";
import { ShardMapTable } from "./shard-map.ts";
import { shardSchema } from "./shard-schema.ts";
import { Shards, UnknownShardError } from "./shards.ts";
import { isStoreUnavailable } from "./unavailable.ts";

const dir = mkdtempSync(path.join(tmpdir(), "shard-map-"));
const url = (name: string) => `file:${path.join(dir, `${name}.db`)}`;
const seed = [{ name: "s0", url: url("s0") }];
let directory: Directory;
let table: ShardMapTable;
const opened: Shards[] = [];

/** As `shard add` does: migrate the shard, then record it. */
async function addShard(name: string) {
  const database = await openDatabase(url(name), shardSchema, "shard");
  database.client.close();
  return table.add({ name, url: url(name) });
}

async function open(): Promise<Shards> {
  const shards = await Shards.open(seed, undefined, directory);
  opened.push(shards);
  return shards;
}

beforeAll(async () => {
  directory = await Directory.open(url("directory"));
  table = new ShardMapTable(directory);
});
afterAll(() => {
  for (const s of opened) s.close();
  directory.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("shard map", () => {
  it("a watching isolate opens a shard added while it runs, reports it, and places new users on it", async () => {
    const shards = await open();
    const errors: unknown[] = [];
    shards.watch({ reader: "host/1/main", everyMs: 50, onError: (err) => errors.push(err) });
    await vi.waitFor(async () => expect(await table.readers()).toEqual([expect.objectContaining({ reader: "host/1/main", seq: 0 })]));

    const added = await addShard("s1");
    await vi.waitFor(() => expect(shards.names).toEqual(["s0", "s1"]), { timeout: 2_000 });
    expect(await getUsage(shards.get("s1"), "nobody")).toBeNull();
    await vi.waitFor(async () => expect(await table.readers()).toEqual([expect.objectContaining({ reader: "host/1/main", seq: added.seq })]));
    // Placement is over the whole map at once: some of a few users' picks are the new shard.
    const ids = Array.from({ length: 16 }, (_, i) => `user-${i}`);
    for (const id of ids) expect(shards.place(id)).toBe(rendezvousPick(["s0", "s1"], id));
    expect(ids.some((id) => shards.place(id) === "s1")).toBe(true);

    // A core that stops strikes itself off: `shard add` does not wait for it.
    await shards.unwatch();
    expect(await table.readers()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("get of a shard not known yet fails as unavailable and looks again; need looks once before failing", async () => {
    const shards = await open();
    await addShard("s2");
    let thrown: unknown;
    try {
      shards.get("s2");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnknownShardError);
    expect(isStoreUnavailable(thrown)).toBe(true);
    // The failed get started the look: the next try finds it.
    await vi.waitFor(() => expect(shards.get("s2").name).toBe("s2"));

    await addShard("s3");
    expect((await shards.need("s3")).name).toBe("s3");
    await expect(shards.need("s9")).rejects.toBeInstanceOf(UnknownShardError);
    expect(shards.seq).toBe((await table.since(0)).at(-1)!.seq);
  });

  it("opens the directory's map with the seed; the seed wins a name both have; names and urls are unique", async () => {
    const other = await Shards.open([{ name: "s1", url: url("s1-seed") }, ...seed], undefined, directory);
    opened.push(other);
    expect(other.names.sort()).toEqual(["s0", "s1", "s2", "s3"]);
    expect(other.get("s1").url).toBe(url("s1-seed"));
    await expect(table.add({ name: "s2", url: url("elsewhere") })).rejects.toThrow(/recorded a moment ago/);
    await expect(table.add({ name: "s7", url: url("s2") })).rejects.toThrow(/recorded a moment ago/);
    // Without the directory the map is the seed alone, as before.
    const seedOnly = await Shards.open(seed);
    opened.push(seedOnly);
    expect(seedOnly.names).toEqual(["s0"]);
  });

  it("a shard that cannot be opened holds back the look (and those after it) until it can", async () => {
    const shards = await open();
    const before = shards.seq;
    // Nothing listens on port 1 of loopback: the server refuses at once.
    await table.add({ name: "down", url: "http://127.0.0.1:1" });
    await addShard("s4");
    await expect(shards.refresh()).rejects.toThrow();
    expect(shards.seq).toBe(before);
    expect(shards.names).not.toContain("s4");
    // A watching isolate keeps saying what it has, so that `shard add` names it as behind rather
    // than taking its silence for a core that stopped.
    const errors: unknown[] = [];
    shards.watch({ reader: "host/2/pipeline", everyMs: 50, onError: (err) => errors.push(err) });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(1));
    expect(await table.readers()).toEqual([expect.objectContaining({ reader: "host/2/pipeline", seq: before, pollMs: 50 })]);
    await shards.unwatch();
  });
});
