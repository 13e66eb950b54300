import { describe, expect, it } from "vitest";
import { sendBatches } from "./send-batches.ts";

describe("sendBatches", () => {
  it("splits at 100 messages", () => {
    const batches = sendBatches(Array.from({ length: 250 }, (_, i) => ({ i })));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((m) => m.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it("splits before a call would carry more than 256 KB", () => {
    const big = (i: number) => ({ i, text: "x".repeat(60 * 1024) });
    const batches = sendBatches(Array.from({ length: 10 }, (_, i) => big(i)));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    for (const b of batches) expect(new TextEncoder().encode(JSON.stringify(b)).length).toBeLessThan(256 * 1024);
  });

  it("sends nothing for nothing", () => {
    expect(sendBatches([])).toEqual([]);
  });
});
