import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../../shared/ids.ts";
import { rendezvousPick } from "./rendezvous.ts";

describe("rendezvous placement", () => {
  const users = Array.from({ length: 4000 }, () => uuidv7());

  it("is stable and spreads users evenly", () => {
    const shards = ["s0", "s1", "s2", "s3"];
    const counts = new Map<string, number>();
    for (const u of users) {
      expect(rendezvousPick(shards, u)).toBe(rendezvousPick([...shards].reverse(), u));
      counts.set(rendezvousPick(shards, u), (counts.get(rendezvousPick(shards, u)) ?? 0) + 1);
    }
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
  });

  it("moves only the users the new shard wins when a shard is added (~1/N)", () => {
    const before = ["s0", "s1", "s2", "s3"];
    const after = [...before, "s4"];
    let moved = 0;
    for (const u of users) {
      const a = rendezvousPick(before, u);
      const b = rendezvousPick(after, u);
      if (a !== b) {
        moved++;
        expect(b).toBe("s4");
      }
    }
    expect(moved / users.length).toBeGreaterThan(0.15);
    expect(moved / users.length).toBeLessThan(0.25);
  });
});
