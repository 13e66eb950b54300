import { describe, expect, it } from "vitest";
import { isValidDomain, normalizeAddress, parseAddress, withoutSubaddress } from "./address.ts";

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

  // ASCII labels take a plain pattern, others the Unicode one: both draw the same lines.
  it("judges ASCII and internationalized domain labels alike", () => {
    for (const good of ["example.test", "xn--bcher-kva.example", "a-b.c0", "bücher.example", "例子.测试", "x".repeat(63) + ".test"]) expect(isValidDomain(good), good).toBe(true);
    for (const bad of ["-x.test", "x-.test", "bü-.test", "-bü.test", "a_b.test", "x".repeat(64) + ".test", "ü".repeat(64) + ".test", "a..b", ""]) expect(isValidDomain(bad), bad).toBe(false);
  });
});
