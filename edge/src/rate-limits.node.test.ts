// wrangler.toml's rate-limit binding enforces the login limit that rate-limits.ts announces: the two
// agree. (The per-user and per-key limits are counted by the user's hub, from rate-limits.ts itself.)
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { rateLimits } from "./rate-limits.ts";

describe("rate limits", () => {
  it("login's is configured in wrangler.toml as rate-limits.ts announces it, and no other binding is left", () => {
    const config = unstable_readConfig({ config: path.resolve(import.meta.dirname, "../../wrangler.toml") });
    const bindings: { name: string; simple: { limit: number; period: number } }[] = config.ratelimits;
    const configured = Object.fromEntries(bindings.map((r) => [r.name, r.simple]));
    const announced = { [rateLimits.login.binding]: { limit: rateLimits.login.limit, period: rateLimits.login.period } };
    expect(configured).toEqual(announced);
  });
});
