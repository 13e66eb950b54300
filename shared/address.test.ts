import { describe, expect, it } from "vitest";
import { normalizeAddress, parseAddress, withoutSubaddress } from "./address.ts";

describe("addresses", () => {
  it("normalizes case and trailing dots", () => {
    expect(normalizeAddress("Alice@Example.TEST.")).toBe("alice@example.test");
  });

  it("keeps internationalized addresses", () => {
    expect(normalizeAddress("用户@例子.测试")).toBe("用户@例子.测试");
  });

  it("strips the subaddress", () => {
    expect(withoutSubaddress(parseAddress("alice+news@example.test")!)).toEqual({ local: "alice", domain: "example.test" });
    expect(withoutSubaddress(parseAddress("+x@example.test")!)).toEqual({ local: "+x", domain: "example.test" });
  });

  it("refuses what is not an address", () => {
    for (const bad of ["", "alice", "@example.test", "alice@", "a b@example.test", "alice@exa mple.test", "a..b@example.test", "alice@-x.test", "x\r\n@example.test"]) {
      expect(normalizeAddress(bad), bad).toBeNull();
    }
  });
});
