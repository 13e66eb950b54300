// The counting rules of the failed-login limits that the socket tests (password-login.test.ts) do not
// reach cheaply: parallel attempts, IPv6 prefixes, success on one's own account, bounded memory.
import { describe, expect, it } from "vitest";
import { LoginThrottle, type Admission, type Attempt } from "./login-throttle.ts";

const admitted = (a: Admission): Attempt => {
  if (!a.admitted) throw new Error(`refused for ${a.retryAfterMs} ms (${a.scope})`);
  return a.attempt;
};

describe("login throttle", () => {
  it("lets parallel attempts past the free failures through one at a time", () => {
    const throttle = new LoginThrottle({ now: () => 0 });
    // 50 connections at once, none settled yet: the free failures' worth get in, no more.
    const admissions = Array.from({ length: 50 }, () => throttle.admit("192.0.2.1", "alice@example.test"));
    const inFlight = admissions.filter((a) => a.admitted).map((a) => a.attempt);
    expect(inFlight).toHaveLength(10);
    for (const attempt of inFlight) throttle.failed(attempt);
    // The tenth failure is still free; the eleventh attempt is admitted alone.
    const eleventh = admitted(throttle.admit("192.0.2.1", "alice@example.test"));
    expect(throttle.admit("192.0.2.1", "alice@example.test")).toMatchObject({ admitted: false, scope: "ip" });
    expect(throttle.failed(eleventh).started).toEqual([{ scope: "ip", failures: 11, until: 1000 }]);
  });

  it("counts an IPv6 client by its /64, and an unknown one not at all", () => {
    const throttle = new LoginThrottle({ now: () => 0 });
    for (let i = 0; i < 11; i++) throttle.failed(admitted(throttle.admit(`2001:db8:1:2::${i + 1}`, `user${i}@example.test`)));
    expect(throttle.admit("2001:db8:1:2:ffff::9", "someone@example.test")).toMatchObject({ admitted: false, scope: "ip" });
    expect(throttle.admit("2001:db8:1:3::1", "someone@example.test").admitted).toBe(true);
    // Without the client's address only the account counts (the edge before it sends `ip`).
    for (let i = 0; i < 15; i++) throttle.failed(admitted(throttle.admit("unknown", `other${i}@example.test`)));
    expect(throttle.admit("unknown", "fresh@example.test").admitted).toBe(true);
  });

  it("clears on success only the failures of that client for that account", () => {
    const throttle = new LoginThrottle({ now: () => 0 });
    for (let i = 0; i < 10; i++) throttle.failed(admitted(throttle.admit("192.0.2.2", `victim${i}@example.test`)));
    // The guesser signs in to an account of their own: their guesses at others still count.
    throttle.succeeded(admitted(throttle.admit("192.0.2.2", "mine@example.test")));
    throttle.failed(admitted(throttle.admit("192.0.2.2", "victim0@example.test")));
    expect(throttle.admit("192.0.2.2", "victim1@example.test")).toMatchObject({ admitted: false, scope: "ip" });
  });

  it("lets a success from an unknown client clear the account's failures from unknown clients", () => {
    const throttle = new LoginThrottle({ now: () => 0 });
    const fail = (n: number) => {
      for (let i = 0; i < n; i++) throttle.failed(admitted(throttle.admit("unknown", "alice@example.test")));
    };
    fail(15);
    throttle.succeeded(admitted(throttle.admit("unknown", "alice@example.test")));
    // 20 more are free again; without the success, these would have blocked the account at the 21st.
    fail(21);
    expect(throttle.admit("unknown", "alice@example.test")).toMatchObject({ admitted: false, scope: "account", retryAfterMs: 1000 });
  });

  it("stays within its capacity under a flood of client addresses", () => {
    let now = 0;
    const throttle = new LoginThrottle({ now: () => now, capacity: 1000 });
    for (let i = 0; i < 20_000; i++) {
      now += 1;
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const attempt = admitted(throttle.admit(ip, `random${i}@example.test`));
      if (i % 2) throttle.failed(attempt);
      else throttle.succeeded(attempt);
    }
    const size = throttle.size;
    for (const n of Object.values(size)) expect(n).toBeLessThanOrEqual(1000);
    expect(size.clients).toBe(1000);
  });
});
