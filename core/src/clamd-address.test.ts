// CLAMD_ADDRESS: the forms clamd's address is written in, and what is refused.
import { describe, expect, it } from "vitest";
import { formatClamdAddress, parseClamdAddress } from "./clamd-address.ts";

describe("CLAMD_ADDRESS", () => {
  it("takes host:port, [ipv6]:port and a unix socket path", () => {
    expect(parseClamdAddress("127.0.0.1:3310")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 3310 });
    expect(parseClamdAddress(" clamd.internal:3310 ")).toEqual({ kind: "tcp", host: "clamd.internal", port: 3310 });
    expect(parseClamdAddress("[::1]:3310")).toEqual({ kind: "tcp", host: "::1", port: 3310 });
    expect(parseClamdAddress("/run/clamav/clamd.ctl")).toEqual({ kind: "unix", path: "/run/clamav/clamd.ctl" });
    expect(parseClamdAddress("unix:/run/clamav/clamd.ctl")).toEqual({ kind: "unix", path: "/run/clamav/clamd.ctl" });
    expect(formatClamdAddress({ kind: "tcp", host: "::1", port: 3310 })).toBe("[::1]:3310");
  });

  it("refuses what is none of those", () => {
    for (const bad of ["", "127.0.0.1", "3310", "::1:3310", "[::1]", "[nonsense]:3310", "host:0", "host:65536", "host:port", "clamd.ctl", "relative/path.sock", "tcp://127.0.0.1:3310"]) {
      expect(parseClamdAddress(bad), bad).toBeNull();
    }
  });
});
