import { describe, expect, it } from "vitest";
import { cachedResolve } from "./dns-cache.ts";

describe("cachedResolve", () => {
  it("asks once per name and type within the TTL, shares a query in flight, and asks again after", async () => {
    let clock = 0;
    const asked: string[] = [];
    const resolve = cachedResolve(
      async (name, type) => {
        asked.push(`${type} ${name}`);
        return [["v=spf1 -all"]];
      },
      { ttlMs: 1000, now: () => clock },
    );
    await Promise.all([resolve("a.test", "TXT"), resolve("A.TEST", "TXT")]);
    await resolve("a.test", "TXT");
    await resolve("a.test", "MX");
    clock = 1500;
    await resolve("a.test", "TXT");
    expect(asked).toEqual(["TXT a.test", "MX a.test", "TXT a.test"]);
  });

  it("keeps 'no such record' but not failures such as timeouts", async () => {
    const asked: string[] = [];
    const resolve = cachedResolve(async (name) => {
      asked.push(name);
      throw Object.assign(new Error(name), { code: name.startsWith("none") ? "ENOTFOUND" : "ETIMEOUT" });
    });
    for (let i = 0; i < 2; i++) {
      await expect(resolve("none.test", "TXT")).rejects.toThrow();
      await expect(resolve("slow.test", "TXT")).rejects.toThrow();
    }
    expect(asked).toEqual(["none.test", "slow.test", "slow.test"]);
  });
});
