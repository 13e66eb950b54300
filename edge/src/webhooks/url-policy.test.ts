import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "./url-policy.ts";

describe("checkWebhookUrl", () => {
  it("allows public https URLs on the usual ports", () => {
    for (const url of [
      "https://hooks.example.com/edgemail",
      "https://hooks.example.com:8443/x?token=abc",
      "https://hooks.example.com:443/",
      "https://hooks.example.com:8080/",
      "https://93.184.215.14/hook",
      "https://[2606:4700:4700::1111]/hook",
      "https://[::ffff:8.8.8.8]/hook",
      "https://example.com./hook",
    ]) {
      expect(checkWebhookUrl(url, false), url).toBeNull();
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
    for (const [url, problem] of cases) expect(checkWebhookUrl(url, false), url).toMatch(problem);
  });

  it("refuses loopback, private, link-local, CGNAT and unique-local addresses however they are spelled", () => {
    const cases: [string, RegExp][] = [
      ["https://127.0.0.1/", /loopback/],
      ["https://127.1.2.3/", /loopback/],
      ["https://2130706433/", /loopback/], // 127.0.0.1 as one number
      ["https://0x7f.1/", /loopback/],
      ["https://0.0.0.0/", /unspecified/],
      ["https://10.1.2.3/", /private/],
      ["https://172.16.0.1/", /private/],
      ["https://172.31.255.255/", /private/],
      ["https://192.168.1.1/", /private/],
      ["https://169.254.169.254/latest/meta-data", /link-local/],
      ["https://100.64.0.1/", /carrier-grade NAT/],
      ["https://100.127.255.255/", /carrier-grade NAT/],
      ["https://224.0.0.1/", /multicast/],
      ["https://255.255.255.255/", /reserved/],
      ["https://[::1]/", /loopback/],
      ["https://[0:0:0:0:0:0:0:1]/", /loopback/],
      ["https://[::]/", /unspecified/],
      ["https://[::ffff:127.0.0.1]/", /loopback.*inside an IPv6/],
      ["https://[::ffff:a9fe:a9fe]/", /link-local.*inside an IPv6/],
      ["https://[::ffff:10.0.0.1]/", /private.*inside an IPv6/],
      ["https://[64:ff9b::192.168.0.1]/", /private.*inside an IPv6/],
      ["https://[fc00::1]/", /unique local/],
      ["https://[fd12:3456:789a::1]/", /unique local/],
      ["https://[fe80::1]/", /link-local/],
      ["https://[febf::1]/", /link-local/],
      ["https://[ff02::1]/", /multicast/],
      ["https://localhost/", /localhost/],
      ["https://LOCALHOST./", /localhost/],
      ["https://api.localhost/", /localhost/],
      ["https://intranet/", /public host/],
      ["https://printer.local/", /local network/],
      ["https://db.internal/", /local network/],
    ];
    for (const [url, problem] of cases) expect(checkWebhookUrl(url, false), url).toMatch(problem);
    // Neighbours of the ranges are public.
    for (const url of ["https://172.32.0.1/", "https://100.128.0.1/", "https://11.0.0.1/", "https://[fbff::1]/", "https://[2001:db8::1]/"]) {
      expect(checkWebhookUrl(url, false), url).toBeNull();
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
