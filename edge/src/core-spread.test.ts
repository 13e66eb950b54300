// A region with several cores: the edge spreads its calls over them, a read steps over a core that
// cannot be reached, a change is not repeated on another core (the client's retry is), and a core that
// could not be reached is passed over for a while. Inside workerd, with the real core and an address
// where nothing listens (port 9 on loopback) as the region's second core.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, clientIp, login } from "../test/api.ts";
import { seed } from "../test/seed.ts";
import worker from "./index.ts";

const live = (JSON.parse(env.CORE_URLS) as Record<string, string>).local!;
const DEAD = "http://127.0.0.1:9";
let token: string;

async function call(coreUrls: string[], path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", clientIp());
  headers.set("authorization", `Bearer ${token}`);
  const res = await worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }), { ...env, CORE_URLS: JSON.stringify({ local: coreUrls }) }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

beforeAll(async () => {
  token = await login(seed.alice.address, seed.alice.password);
});

describe("several cores in a region", () => {
  it("reads step over a core that cannot be reached; a change then goes to the one that answers", async () => {
    // Round robin starts each call at the next core: of two reads, one starts at the dead core.
    for (let i = 0; i < 2; i++) expect((await call([DEAD, live], "/api/v1/account")).status).toBe(200);
    const sent = await call([DEAD, live], "/api/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: [seed.bob.address], subject: "spread", text: "over the region's cores" }),
    });
    expect(sent.status, await sent.clone().text()).toBe(202);
  });

  it("answers 503 with Retry-After when no core of the region can be reached", async () => {
    const res = await call([DEAD, "http://127.0.0.1:7"], "/api/v1/account");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { detail: string }).detail).toMatch(/region local cannot be reached/);
  });
});
