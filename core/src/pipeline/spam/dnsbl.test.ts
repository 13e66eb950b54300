// DNS blocklists against a real DNS server on loopback (a few lines of node:dgram and dns-packet),
// through the service's own resolver: listed, not listed, a list that never answers, and answers
// that are not listings.
import { createSocket, type Socket } from "node:dgram";
import { decode, encode, type Answer } from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rfc822, spamInput } from "../../../../test/support/spam-message.ts";
import { createResolver } from "../../dns.ts";
import { buildContext } from "./context.ts";
import { dnsblCheck, dnsblHitName, reversedIpv4 } from "./dnsbl.ts";
import type { Hit } from "./input.ts";
import { scoreMessage } from "./score.ts";

// name → A records; a name under silent.test gets no answer at all (a list that is down).
const RECORDS: Record<string, string[]> = {
  "1.113.0.203.bl.test": ["127.0.0.2"],
  "1.113.0.203.other.test": ["127.0.0.4", "127.0.0.10"],
  "1.113.0.203.refusing.test": ["127.255.255.254"],
};

let server: Socket;
let port: number;
const queries: string[] = [];

beforeAll(async () => {
  server = createSocket("udp4");
  server.on("message", (msg, rinfo) => {
    const query = decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name);
    if (question.name.endsWith(".silent.test")) return;
    const records = RECORDS[question.name.toLowerCase()];
    const answers: Answer[] = (records ?? []).map((data) => ({ type: "A", class: "IN", name: question.name, ttl: 60, data }));
    // RCODE 3 (NXDOMAIN) for names not listed, as a blocklist answers.
    const flags = 0x8000 | 0x0400 | (records ? 0 : 3);
    server.send(encode({ id: query.id, type: "response", flags, questions: [question], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  port = server.address().port;
});
afterAll(() => server?.close());

async function check(address: string, zones: string[], timeoutMs = 2000): Promise<Hit[]> {
  const input = await spamInput(rfc822({}, "Hello\n"), { client: { address, helo: "mail.remote.test" } });
  const resolver = createResolver([`127.0.0.1:${port}`]);
  return dnsblCheck({ resolver, zones: zones.map((zone) => ({ zone })), timeoutMs })(input, buildContext(input, Date.now()));
}

describe("DNS blocklists", () => {
  it("scores a listed client once per list that lists it", async () => {
    const hits = await check("203.0.113.1", ["bl.test", "other.test", "clean.test"]);
    expect(hits.map((h) => h.name)).toEqual(["RCVD_IN_BL_TEST", "RCVD_IN_OTHER_TEST"]);
    expect(hits[0]!.detail).toBe("203.0.113.1 127.0.0.2");
    expect(queries).toContain("1.113.0.203.clean.test");
  });

  it("does not score a client that is not listed (NXDOMAIN)", async () => {
    expect(await check("203.0.113.2", ["bl.test"])).toEqual([]);
  });

  it("treats an answer outside 127.0.0.0/24 as no listing", async () => {
    expect(await check("203.0.113.1", ["refusing.test"])).toEqual([]);
  });

  it("gives up on a list that does not answer, in time, without failing the message", async () => {
    const started = Date.now();
    const hits = await check("203.0.113.1", ["silent.test", "bl.test"], 300);
    expect(Date.now() - started).toBeLessThan(1500);
    // The list that answered in time still counts.
    expect(hits.map((h) => h.name)).toEqual(["RCVD_IN_BL_TEST"]);
  });

  it("asks nothing for clients a list cannot know", async () => {
    const before = queries.length;
    expect(await check("192.168.1.20", ["bl.test"])).toEqual([]);
    expect(await check("2001:db8::1", ["bl.test"])).toEqual([]);
    expect(queries.length).toBe(before);
  });

  it("is part of inbound scoring only when zones and a resolver are given", async () => {
    const input = await spamInput(rfc822({}, "Hello\n"), { client: { address: "203.0.113.1", helo: "x" } });
    const resolver = createResolver([`127.0.0.1:${port}`]);
    const listed = await scoreMessage(input, { resolver, dnsbl: [{ zone: "bl.test", score: 3 }] });
    expect(listed.hits).toContainEqual({ name: "RCVD_IN_BL_TEST", score: 3, detail: "203.0.113.1 127.0.0.2" });
    expect((await scoreMessage(input, { resolver })).hits.map((h) => h.name)).not.toContain("RCVD_IN_BL_TEST");
    const outbound = await scoreMessage(input, { resolver, dnsbl: [{ zone: "bl.test" }], profile: "outbound" });
    expect(outbound.hits.map((h) => h.name)).not.toContain("RCVD_IN_BL_TEST");
  });
});

describe("query names", () => {
  it("reverses IPv4 and names hits after the zone", () => {
    expect(reversedIpv4("198.51.100.7")).toBe("7.100.51.198");
    expect(reversedIpv4("::ffff:198.51.100.7")).toBe("7.100.51.198");
    expect(reversedIpv4("10.1.2.3")).toBeNull();
    expect(reversedIpv4("127.0.0.1")).toBeNull();
    expect(reversedIpv4("300.1.2.3")).toBeNull();
    expect(dnsblHitName("zen.spamhaus.org")).toBe("RCVD_IN_ZEN_SPAMHAUS_ORG");
  });
});
