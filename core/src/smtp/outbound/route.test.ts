// Routing over DNS records the test controls (an injected resolver: no lookup leaves the machine).
// Routing only computes hops: none of these addresses is ever contacted.
import { describe, expect, it } from "vitest";
import type { DnsResolver } from "../../dns.ts";
import { routeFor, type RoutingConfig } from "./route.ts";

const noData = () => Promise.reject(Object.assign(new Error("no data"), { code: "ENODATA" }));

function resolver(records: { mx?: Record<string, { exchange: string; priority: number }[]>; a?: Record<string, string[]>; aaaa?: Record<string, string[]> }): DnsResolver {
  return {
    resolveMx: (name: string) => (records.mx?.[name] ? Promise.resolve(records.mx[name]!) : noData()),
    resolve4: (name: string) => (records.a?.[name] ? Promise.resolve(records.a[name]!) : noData()),
    resolve6: (name: string) => (records.aaaa?.[name] ? Promise.resolve(records.aaaa[name]!) : noData()),
    resolveTxt: () => noData(),
  } as unknown as DnsResolver;
}

const plain: RoutingConfig = { transportMap: new Map(), smartHost: null, allowPrivateMx: false };

describe("routing", () => {
  it("orders MX hosts by preference, with every address of each", async () => {
    const r = resolver({
      mx: { "example.org": [{ exchange: "mx2.example.org", priority: 20 }, { exchange: "mx1.example.org", priority: 10 }] },
      a: { "mx1.example.org": ["192.0.3.1"], "mx2.example.org": ["192.0.3.2"] },
      aaaa: { "mx1.example.org": ["2606:4700::1111"] },
    });
    const route = await routeFor("example.org", r, plain);
    expect(route).toEqual({
      kind: "hops",
      hops: [
        { hostname: "mx1.example.org", address: "192.0.3.1", port: 25 },
        { hostname: "mx1.example.org", address: "2606:4700::1111", port: 25 },
        { hostname: "mx2.example.org", address: "192.0.3.2", port: 25 },
      ],
    });
  });

  it("falls back to the domain's own address when it has no MX (RFC 5321 §5.1)", async () => {
    const route = await routeFor("example.net", resolver({ a: { "example.net": ["192.0.3.7"] } }), plain);
    expect(route).toEqual({ kind: "hops", hops: [{ hostname: "example.net", address: "192.0.3.7", port: 25 }] });
  });

  it("refuses a null MX (RFC 7505) and a domain with no records at all", async () => {
    expect(await routeFor("nomail.example", resolver({ mx: { "nomail.example": [{ exchange: "", priority: 0 }] } }), plain)).toMatchObject({ kind: "permanent", status: "5.1.10" });
    expect(await routeFor("void.example", resolver({}), plain)).toMatchObject({ kind: "permanent", status: "5.1.2" });
  });

  it("will not follow an MX to a private or loopback address unless allowed", async () => {
    const r = resolver({ mx: { "evil.example": [{ exchange: "mx.evil.example", priority: 10 }] }, a: { "mx.evil.example": ["127.0.0.1", "10.0.0.5"] } });
    expect(await routeFor("evil.example", r, plain)).toMatchObject({ kind: "temporary" });
    expect(await routeFor("evil.example", r, { ...plain, allowPrivateMx: true })).toMatchObject({ kind: "hops", hops: [{ address: "127.0.0.1" }, { address: "10.0.0.5" }] });
  });

  it("skips every special-purpose address an MX names, in any spelling, and keeps the public ones", async () => {
    const special = ["198.18.0.1", "192.0.2.1", "100.64.0.1", "::ffff:127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::a00:1", "2002:7f00:1::", "2001::1", "fe80::1", "fc00::1"];
    const r = resolver({ mx: { "mixed.example": [{ exchange: "mx.mixed.example", priority: 10 }] }, a: { "mx.mixed.example": ["192.0.3.1"] }, aaaa: { "mx.mixed.example": special.filter((a) => a.includes(":")) } });
    expect(await routeFor("mixed.example", r, plain)).toEqual({ kind: "hops", hops: [{ hostname: "mx.mixed.example", address: "192.0.3.1", port: 25 }] });
    const allSpecial = resolver({ mx: { "inside.example": [{ exchange: "mx.inside.example", priority: 10 }] }, a: { "mx.inside.example": special.filter((a) => !a.includes(":")) } });
    expect(await routeFor("inside.example", allSpecial, plain)).toMatchObject({ kind: "temporary" });
  });

  it("takes the transport map first, then the smart host (with its credentials)", async () => {
    const r = resolver({ mx: { "example.org": [{ exchange: "mx1.example.org", priority: 10 }] }, a: { "mx1.example.org": ["192.0.3.1"], "relay.example": ["192.0.2.9"] } });
    const config: RoutingConfig = {
      transportMap: new Map([["example.org", { host: "127.0.0.1", port: 2626 }]]),
      smartHost: { host: "relay.example", port: 587, user: "u", password: "p" },
      allowPrivateMx: false,
    };
    expect(await routeFor("example.org", r, config)).toEqual({ kind: "hops", hops: [{ hostname: "127.0.0.1", address: "127.0.0.1", port: 2626 }] });
    expect(await routeFor("other.example", r, config)).toEqual({ kind: "hops", hops: [{ hostname: "relay.example", address: "192.0.2.9", port: 587, auth: { user: "u", pass: "p" } }] });
  });

  it("defers when DNS itself fails", async () => {
    const broken = { ...resolver({}), resolveMx: () => Promise.reject(Object.assign(new Error("timeout"), { code: "ETIMEOUT" })) } as unknown as DnsResolver;
    expect(await routeFor("example.org", broken, plain)).toMatchObject({ kind: "temporary" });
  });
});
