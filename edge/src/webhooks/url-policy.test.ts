// The URL policy inside workerd, whose URL parser is the one that reads integrators' URLs: every
// special-purpose block refused at its first and last address and, for IPv4, inside the IPv6
// forms that carry it; public addresses (judged only, never contacted) and names allowed.
import { describe, expect, it } from "vitest";
import { SPECIAL_RANGES } from "../../../shared/special-addresses.ts";
import { checkUrl, checkWebhookUrl, remoteImageUrls } from "./url-policy.ts";

const url = (host: string) => `https://${host.includes(":") ? `[${host}]` : host}/hook`;
const refusal = (host: string) => checkWebhookUrl(url(host), false);

/** [address, the block the refusal must name]: first and last address of every block, and more
 * where the first or last belongs to a more specific block listed before it. */
const SPECIAL: [string, string][] = [
  ["0.0.0.0", "0.0.0.0/8"], ["0.255.255.255", "0.0.0.0/8"],
  ["10.0.0.0", "10.0.0.0/8"], ["10.255.255.255", "10.0.0.0/8"],
  ["100.64.0.0", "100.64.0.0/10"], ["100.127.255.255", "100.64.0.0/10"],
  ["127.0.0.0", "127.0.0.0/8"], ["127.255.255.255", "127.0.0.0/8"],
  ["169.254.0.0", "169.254.0.0/16"], ["169.254.255.255", "169.254.0.0/16"],
  ["172.16.0.0", "172.16.0.0/12"], ["172.31.255.255", "172.16.0.0/12"],
  ["192.0.0.0", "192.0.0.0/24"], ["192.0.0.255", "192.0.0.0/24"], ["192.0.0.9", "192.0.0.0/24"], ["192.0.0.170", "192.0.0.0/24"],
  ["192.0.2.0", "192.0.2.0/24"], ["192.0.2.255", "192.0.2.0/24"],
  ["192.31.196.0", "192.31.196.0/24"], ["192.31.196.255", "192.31.196.0/24"],
  ["192.52.193.0", "192.52.193.0/24"], ["192.52.193.255", "192.52.193.0/24"],
  ["192.88.99.0", "192.88.99.0/24"], ["192.88.99.255", "192.88.99.0/24"], ["192.88.99.2", "192.88.99.0/24"],
  ["192.168.0.0", "192.168.0.0/16"], ["192.168.255.255", "192.168.0.0/16"],
  ["192.175.48.0", "192.175.48.0/24"], ["192.175.48.255", "192.175.48.0/24"],
  ["198.18.0.0", "198.18.0.0/15"], ["198.19.255.255", "198.18.0.0/15"],
  ["198.51.100.0", "198.51.100.0/24"], ["198.51.100.255", "198.51.100.0/24"],
  ["203.0.113.0", "203.0.113.0/24"], ["203.0.113.255", "203.0.113.0/24"],
  ["224.0.0.0", "224.0.0.0/4"], ["239.255.255.255", "224.0.0.0/4"],
  ["255.255.255.255", "255.255.255.255/32"],
  ["240.0.0.0", "240.0.0.0/4"], ["255.255.255.254", "240.0.0.0/4"],
  ["::", "::/128"],
  ["::1", "::1/128"],
  ["::ffff:0:0:0", "::ffff:0:0:0/96"], ["::ffff:0:ffff:ffff", "::ffff:0:0:0/96"],
  ["::2", "::/96"], ["::ffff:ffff", "::/96"],
  ["64:ff9b:1::", "64:ff9b:1::/48"], ["64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48"],
  ["100::", "100::/64"], ["100::ffff:ffff:ffff:ffff", "100::/64"],
  ["100:0:0:1::", "100:0:0:1::/64"], ["100::1:ffff:ffff:ffff:ffff", "100:0:0:1::/64"],
  ["2001::", "2001::/32"], ["2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/32"],
  ["2001:1::1", "2001:1::1/128"], ["2001:1::2", "2001:1::2/128"], ["2001:1::3", "2001:1::3/128"],
  ["2001:2::", "2001:2::/48"], ["2001:2:0:ffff:ffff:ffff:ffff:ffff", "2001:2::/48"],
  ["2001:3::", "2001:3::/32"], ["2001:3:ffff:ffff:ffff:ffff:ffff:ffff", "2001:3::/32"],
  ["2001:4:112::", "2001:4:112::/48"], ["2001:4:112:ffff:ffff:ffff:ffff:ffff", "2001:4:112::/48"],
  ["2001:10::", "2001:10::/28"], ["2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", "2001:10::/28"],
  ["2001:20::", "2001:20::/28"], ["2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", "2001:20::/28"],
  ["2001:30::", "2001:30::/28"], ["2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", "2001:30::/28"],
  ["2001:1::", "2001::/23"], ["2001:1::4", "2001::/23"], ["2001:4::1", "2001::/23"], ["2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/23"],
  ["2001:db8::", "2001:db8::/32"], ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"],
  ["2002::", "2002::/16"], ["2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2002::/16"],
  ["2620:4f:8000::", "2620:4f:8000::/48"], ["2620:4f:8000:ffff:ffff:ffff:ffff:ffff", "2620:4f:8000::/48"],
  ["3fff::", "3fff::/20"], ["3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff::/20"],
  ["5f00::", "5f00::/16"], ["5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "5f00::/16"],
  ["fc00::", "fc00::/7"], ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::/7"],
  ["fe80::", "fe80::/10"], ["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::/10"],
  ["fec0::", "fec0::/10"], ["feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::/10"],
  ["ff00::", "ff00::/8"], ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::/8"],
  ["1::", "::/8"], ["ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/8"],
  ["100:0:0:2::", "100::/8"], ["1ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100::/8"],
  ["200::", "200::/7"], ["3ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "200::/7"],
  ["400::", "400::/6"], ["7ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "400::/6"],
  ["800::", "800::/5"], ["fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "800::/5"],
  ["1000::", "1000::/4"], ["1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1000::/4"],
  ["4000::", "4000::/2"], ["7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "4000::/2"],
  ["8000::", "8000::/2"], ["bfff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::/2"],
  ["c000::", "c000::/3"], ["dfff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "c000::/3"],
  ["e000::", "e000::/4"], ["efff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "e000::/4"],
  ["f000::", "f000::/5"], ["f7ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "f000::/5"],
  ["f800::", "f800::/6"], ["fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "f800::/6"],
  ["fe00::", "fe00::/9"], ["fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::/9"],
];

/** The IPv6 forms that carry an IPv4 address and are judged by it. */
const CARRIERS: [prefix: string, cidr: string][] = [
  ["::ffff:", "::ffff:0:0/96"],
  ["64:ff9b::", "64:ff9b::/96"],
];

/** The IPv6 forms that carry an IPv4 address and are refused whatever it is (8.8.8.8 inside). */
const REFUSED_CARRIERS: [string, string][] = [
  ["::ffff:0:808:808", "::ffff:0:0:0/96"],
  ["::808:808", "::/96"],
  ["64:ff9b:1::808:808", "64:ff9b:1::/48"],
  ["2002:808:808::1", "2002::/16"],
  // Teredo: server 65.54.227.120, client 192.0.2.45 obfuscated (XOR) in the last 32 bits.
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32"],
];

const PUBLIC = [
  "1.1.1.1", "8.8.8.8", "93.184.215.14",
  "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
  "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.255", "192.0.3.0",
  "192.31.195.255", "192.31.197.0", "192.52.192.255", "192.52.194.0", "192.88.98.255", "192.88.100.0",
  "192.167.255.255", "192.169.0.0", "192.175.47.255", "192.175.49.0", "198.17.255.255", "198.20.0.0",
  "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
  "2606:4700::1111", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2000::", "2001:200::", "2001:db7:ffff::1",
  "2001:db9::", "2003::1", "2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", "2620:4f:8001::", "3ffe:ffff::1", "3fff:1000::",
  "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "64:ff9b::101:101",
];

describe("checkWebhookUrl", () => {
  it("refuses every special-purpose block, naming it", () => {
    for (const [host, cidr] of SPECIAL) expect(refusal(host), host).toContain(`(${cidr})`);
    // Each block of the table is exercised.
    const covered = new Set([...SPECIAL, ...CARRIERS, ...REFUSED_CARRIERS].map(([, cidr]) => cidr));
    expect(SPECIAL_RANGES.map((r) => r.cidr).filter((cidr) => !covered.has(cidr))).toEqual([]);
  });

  it("judges an IPv4 address inside an IPv4-mapped or NAT64 address by the IPv4 address", () => {
    const v4 = SPECIAL.filter(([host]) => !host.includes(":"));
    for (const [prefix, carrier] of CARRIERS) {
      for (const [host, cidr] of v4) {
        expect(refusal(`${prefix}${host}`), `${prefix}${host}`).toContain(`(${cidr}) inside`);
        expect(refusal(`${prefix}${host}`), `${prefix}${host}`).toContain(`(${carrier})`);
      }
    }
    expect(refusal("::ffff:198.18.0.1")).toBe("points to a benchmarking address (198.18.0.0/15) inside an IPv4-mapped address (::ffff:0:0/96)");
  });

  it("refuses IPv4-compatible, IPv4-translated, local-use NAT64, 6to4 and Teredo addresses whatever they carry", () => {
    for (const [host, cidr] of REFUSED_CARRIERS) expect(refusal(host), host).toContain(`(${cidr})`);
  });

  it("allows public addresses, the neighbours of every block", () => {
    for (const host of PUBLIC) expect(refusal(host), host).toBeNull();
  });

  it("refuses what the review found", () => {
    expect(refusal("::ffff:0:7f00:1")).toBe("points to an IPv4-translated address (::ffff:0:0:0/96)");
    expect(refusal("2002:7f00:1::")).toBe("points to a 6to4 address (2002::/16)");
    expect(refusal("64:ff9b::7f00:1")).toBe("points to a loopback address (127.0.0.0/8) inside a NAT64 address (64:ff9b::/96)");
    expect(refusal("64:ff9b:1::a00:1")).toBe("points to a local-use NAT64 address (64:ff9b:1::/48)");
    expect(refusal("2001:0:4136:e378:8000:63bf:80ff:fffe")).toBe("points to a Teredo address (2001::/32)");
    expect(refusal("198.18.0.1")).toBe("points to a benchmarking address (198.18.0.0/15)");
  });

  it("sees through every IPv4 and IPv6 spelling the URL parser accepts, and the parser refuses the rest", () => {
    for (const host of [
      "0x7f.1", "0x7F000001", "0177.0.0.1", "2130706433", "127.1", "127.0.1", "%31%32%37.0.0.1", "１２７．０．０．１", "127.0.0.1.", "0x7f.0.0.0x1",
    ]) {
      expect(new URL(url(host)).hostname, host).toBe("127.0.0.1");
      expect(refusal(host), host).toBe("points to a loopback address (127.0.0.0/8)");
    }
    for (const host of ["[::ffff:127.0.0.1]", "[0:0:0:0:0:FFFF:7F00:1]", "[::FFFF:7f00:0001]", "[0::ffff:127.0.0.1]"]) {
      expect(new URL(`https://${host}/`).hostname, host).toBe("[::ffff:7f00:1]");
      expect(checkWebhookUrl(`https://${host}/`, false), host).toMatch(/loopback.*inside an IPv4-mapped/);
    }
    expect(checkWebhookUrl("https://[0000:0000:0000:0000:0000:0000:0000:0001]/", false)).toMatch(/loopback address \(::1\/128\)/);
    for (const host of ["1.2.3.4.5", "256.0.0.1", "09.0.0.1", "0x7g.1", "foo.0x10", "foo.09", "[::1%25eth0]", "[::ffff:127.0.0.256]", "[1::2::3]"]) {
      expect(checkWebhookUrl(`https://${host}/`, false), host).toBe("is not a URL");
    }
  });

  it("allows public https URLs on the usual ports", () => {
    for (const u of [
      "https://hooks.example.com/edgemail",
      "https://hooks.example.com:8443/x?token=abc",
      "https://hooks.example.com:443/",
      "https://hooks.example.com:8080/",
      "https://HOOKS.Example.COM/edgemail",
      "https://bücher.ch/hook",
      "https://hooks.example.com/a/../b?x=1#frag",
    ]) {
      expect(checkWebhookUrl(u, false), u).toBeNull();
    }
  });

  it("refuses other schemes, plain http, credentials and other ports", () => {
    const cases: [string, RegExp][] = [
      ["not a url", /is not a URL/],
      ["ftp://hooks.example.com/", /http or https/],
      ["javascript:alert(1)", /http or https/],
      ["http://hooks.example.com/", /must use https/],
      ["https://user:pass@hooks.example.com/", /user name or password/],
      ["https://token@hooks.example.com/", /user name or password/],
      ["https://hooks.example.com:22/", /port 22/],
      ["https://hooks.example.com:6379/", /port 6379/],
    ];
    for (const [u, problem] of cases) expect(checkWebhookUrl(u, false), u).toMatch(problem);
  });

  it("refuses names that only mean something on a local network, trailing dots and numeric last labels", () => {
    const cases: [string, RegExp][] = [
      ["localhost", /localhost/],
      ["LOCALHOST.", /localhost|dot/],
      ["api.localhost", /\(\.localhost\)/],
      ["localhost.localdomain", /\(\.localdomain\)/],
      ["intranet", /public host/],
      ["printer.local", /multicast DNS.*\(\.local\)/],
      ["db.internal", /\(\.internal\)/],
      ["metadata.google.internal", /\(\.internal\)/],
      ["nas.home.arpa", /\(\.home\.arpa\)/],
      ["router.lan", /\(\.lan\)/],
      ["router.home", /\(\.home\)/],
      ["dc1.corp", /\(\.corp\)/],
      ["smtp.mail", /\(\.mail\)/],
      ["hooks.test", /\(\.test\)/],
      ["hooks.example", /\(\.example\)/],
      ["hooks.invalid", /\(\.invalid\)/],
      ["abcdefghijklmnop.onion", /\(\.onion\)/],
      ["hooks.alt", /\(\.alt\)/],
      ["1.0.0.127.in-addr.arpa", /\(\.arpa\)/],
      ["example.com.", /must not end its host name with a dot/],
      ["hooks.example.com.", /must not end its host name with a dot/],
      ["a..example.com", /empty label/],
    ];
    for (const [host, problem] of cases) expect(refusal(host), host).toMatch(problem);
    // Names are judged by what they resolve to (target-check.ts), not here.
    for (const host of ["localtest.me", "127.0.0.1.nip.io", "hooks.local.example.com", "internal.example.com", "lan.example.net"]) {
      expect(refusal(host), host).toBeNull();
    }
  });

  it("with allowPrivate (local development), allows loopback, http and any port, but still no credentials", () => {
    expect(checkWebhookUrl("http://127.0.0.1:9999/hook", true)).toBeNull();
    expect(checkWebhookUrl("http://localhost:3000/hook", true)).toBeNull();
    expect(checkWebhookUrl("http://[::1]:3000/hook", true)).toBeNull();
    expect(checkWebhookUrl("http://u:p@127.0.0.1/", true)).toMatch(/user name or password/);
    expect(checkWebhookUrl("file:///etc/passwd", true)).toMatch(/http or https/);
  });
});

describe("the remote image profile", () => {
  it("takes plain http and any port, and refuses the same hosts as webhooks", () => {
    for (const u of ["http://img.example.com/pixel.gif", "http://img.example.com:8081/a.png", "https://cdn.example.net:9443/b.jpg"]) {
      expect(checkUrl(u, remoteImageUrls, false), u).toBeNull();
      expect(checkWebhookUrl(u, false), u).not.toBeNull();
    }
    for (const host of ["127.0.0.1", "[::1]", "10.1.2.3", "169.254.169.254", "0x7f.1", "printer.local", "db.internal", "localhost"]) {
      const problem = checkUrl(`http://${host}:8080/x.png`, remoteImageUrls, false);
      expect(problem, host).not.toBeNull();
      expect(problem, host).toBe(checkWebhookUrl(`https://${host}/x.png`, false));
    }
    expect(checkUrl("http://u:p@img.example.com/x.png", remoteImageUrls, false)).toMatch(/user name or password/);
    expect(checkUrl("data:image/png;base64,AAAA", remoteImageUrls, false)).toMatch(/http or https/);
  });
});
