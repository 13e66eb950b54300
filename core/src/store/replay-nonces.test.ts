import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedReplayNonces } from "./replay-nonces.ts";

let dir: string;
let one: SharedReplayNonces;
let two: SharedReplayNonces;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "edgemail-nonces-"));
  // Two clients of one database, as two cores are.
  one = await SharedReplayNonces.open(`file:${path.join(dir, "nonces.db")}`);
  two = await SharedReplayNonces.open(`file:${path.join(dir, "nonces.db")}`);
});
afterAll(() => {
  one?.close();
  two?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("shared replay nonces", () => {
  it("take a nonce once across clients while it lives, and again after it expired", async () => {
    const now = Date.now();
    expect(await one.accept("nonce-a", now + 120_000, now)).toBe(true);
    expect(await two.accept("nonce-a", now + 120_000, now + 1)).toBe(false);
    expect(await one.accept("nonce-a", now + 120_000, now + 2)).toBe(false);
    expect(await two.accept("nonce-b", now + 120_000, now)).toBe(true);
    // Past its expiry the row is taken over (its signature window is over too, so this is no replay).
    expect(await two.accept("nonce-a", now + 300_000, now + 120_000)).toBe(true);
    expect(await one.accept("nonce-a", now + 300_000, now + 120_001)).toBe(false);
  });
});
