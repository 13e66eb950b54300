// wrangler.toml's rate-limit bindings enforce the limits that rate-limits.ts announces: the two agree.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { rateLimits } from "./rate-limits.ts";

describe("rate limits", () => {
  it("are configured in wrangler.toml as rate-limits.ts announces them", () => {
    const config = unstable_readConfig({ config: path.resolve(import.meta.dirname, "../../wrangler.toml") });
    const bindings: { name: string; simple: { limit: number; period: number } }[] = config.ratelimits;
    const configured = Object.fromEntries(bindings.map((r) => [r.name, r.simple]));
    const announced = Object.fromEntries(Object.values(rateLimits).map((r) => [r.binding, { limit: r.limit, period: r.period }]));
    expect(configured).toEqual(announced);
  });
});
