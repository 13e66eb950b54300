import { describe, expect, it } from "vitest";
import { isUuidv7, uuidv7, uuidv7From, uuidv7Time } from "./ids.ts";

describe("uuidv7", () => {
  it("encodes its creation time and sorts by it", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(isUuidv7(a)).toBe(true);
    expect(uuidv7Time(a)).toBe(1_700_000_000_000);
    expect(a < b).toBe(true);
  });

  it("is deterministic when derived from the same entropy", () => {
    const seed = new Uint8Array(10).fill(7);
    expect(uuidv7From(5, seed)).toBe(uuidv7From(5, seed));
    expect(uuidv7From(5, seed)).not.toBe(uuidv7From(5, new Uint8Array(10).fill(8)));
  });

  it("rejects what is not a v7 UUID", () => {
    expect(isUuidv7("0190b7a4-0000-4000-8000-000000000000")).toBe(false);
    expect(isUuidv7("../etc/passwd")).toBe(false);
  });
});
