import { describe, expect, it } from "vitest";
import { loadEdgeConfig } from "./config.ts";

const vars = {
  CORE_URLS: '{"local":"http://127.0.0.1:8788"}',
  DIRECTORY_REGION: "local",
  TOKEN_SECRET: "t".repeat(32),
  INTERNAL_SIGNING_SECRET: "s".repeat(32),
};

describe("WEBHOOK_ALLOW_PRIVATE", () => {
  it("is off unless set to true", () => {
    const allow = (extra: Record<string, unknown>) => {
      const result = loadEdgeConfig({ ...vars, ...extra });
      return result.ok ? result.config.webhookAllowPrivate : result.problems;
    };
    expect(allow({})).toBe(false);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE: "false" })).toBe(false);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE: "true" })).toBe(true);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE: true })).toBe(true);
    expect(allow({ WEBHOOK_ALLOW_PRIVATE: "yes" })).toEqual(['WEBHOOK_ALLOW_PRIVATE: must be "true" or "false"']);
  });
});

describe("WEBHOOK_DNS_URL", () => {
  it("is Cloudflare's DNS-over-HTTPS resolver unless set to another http(s) URL", () => {
    const dns = (extra: Record<string, unknown>) => {
      const result = loadEdgeConfig({ ...vars, ...extra });
      return result.ok ? result.config.webhookDnsUrl : result.problems;
    };
    expect(dns({})).toBe("https://cloudflare-dns.com/dns-query");
    expect(dns({ WEBHOOK_DNS_URL: "https://dns.google/resolve" })).toBe("https://dns.google/resolve");
    expect(dns({ WEBHOOK_DNS_URL: "1.1.1.1" })).toEqual(["WEBHOOK_DNS_URL: must be the http(s) URL of a DNS-over-HTTPS (JSON) resolver"]);
  });
});

describe("CORE_URLS", () => {
  it("takes one core per region or a list of them", () => {
    const cores = (CORE_URLS: string) => {
      const result = loadEdgeConfig({ ...vars, CORE_URLS });
      return result.ok ? result.config.coreUrls : result.problems;
    };
    expect(cores('{"local":"http://127.0.0.1:8788"}')).toEqual({ local: ["http://127.0.0.1:8788"] });
    expect(cores('{"local":["http://127.0.0.1:8788","http://127.0.0.1:8789"],"eu":"https://core.eu.example"}')).toEqual({
      local: ["http://127.0.0.1:8788", "http://127.0.0.1:8789"],
      eu: ["https://core.eu.example"],
    });
    for (const bad of ['{"local":[]}', '{"local":["ftp://x"]}', "{}", "local=http://x"]) expect(cores(bad), bad).toEqual([expect.stringMatching(/^CORE_URLS: must/)]);
  });
});
