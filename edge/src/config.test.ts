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
