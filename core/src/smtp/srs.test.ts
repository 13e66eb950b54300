import { describe, expect, it } from "vitest";
import { srsForward, srsReverse } from "./srs.ts";

// The vectors postsrsd's own test suite checks (tests/blackbox/socketmap.py: secret "tops3cr3t", local
// domain example.com, clock at 2020-01-01 00:01:00 UTC): our addresses must be the ones libsrs2 writes.
const postsrsd = { secret: "tops3cr3t", domain: "example.com", now: 1577836860_000 };
const DAY = 86_400_000;

describe("SRS as postsrsd writes it", () => {
  it("forwards like postsrsd", () => {
    expect(srsForward("test@otherdomain.com", postsrsd)).toBe("SRS0=vmyz=2W=otherdomain.com=test@example.com");
    expect(srsForward(`test@${"a".repeat(503)}.net`, postsrsd)).toBe(`SRS0=G7tR=2W=${"a".repeat(503)}.net=test@example.com`);
    // Foreign SRS0 → SRS1 pointing back to that forwarder; foreign SRS1 → re-signed, same first hop.
    expect(srsForward("SRS0=opaque+string@otherdomain.com", postsrsd)).toBe("SRS1=chaI=otherdomain.com==opaque+string@example.com");
    expect(srsForward("SRS1=X=thirddomain.com==opaque+string@otherdomain.com", postsrsd)).toBe("SRS1=JIBX=thirddomain.com==opaque+string@example.com");
  });

  it("leaves alone what needs no rewriting", () => {
    expect(srsForward("test@example.com", postsrsd)).toBe("test@example.com");
    expect(srsForward("SRS0=XjO9=2V=otherdomain.com=test@EXAMPLE.com", postsrsd)).toBe("SRS0=XjO9=2V=otherdomain.com=test@EXAMPLE.com");
    expect(srsForward("foo", postsrsd)).toBeNull();
    expect(srsForward("", postsrsd)).toBeNull();
    expect(srsForward("@example.org", postsrsd)).toBeNull();
  });

  it("reverses like postsrsd, whatever the case", () => {
    expect(srsReverse("SRS0=XjO9=2V=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: true, address: "test@otherdomain.com" });
    expect(srsReverse("srs0=xjo9=2v=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: true, address: "test@otherdomain.com" });
    expect(srsReverse("SRS0=XJO9=2V=OTHERDOMAIN.COM=TEST@EXAMPLE.COM", postsrsd)).toEqual({ ok: true, address: "TEST@OTHERDOMAIN.COM" });
    expect(srsReverse("SRS1=JIBX=thirddomain.com==opaque+string@example.com", postsrsd)).toEqual({ ok: true, address: "SRS0=opaque+string@thirddomain.com" });
    expect(srsReverse(`SRS0=iCvJ=2W=${"a".repeat(478)}.net=test@example.com`, postsrsd)).toEqual({ ok: true, address: `test@${"a".repeat(478)}.net` });
  });

  it("refuses what postsrsd refuses", () => {
    expect(srsReverse("test@example.com", postsrsd)).toEqual({ ok: false, reason: "not-srs" });
    expect(srsReverse("SRS0=te87=T7=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "expired" }); // six months old
    expect(srsReverse("SRS0=VcIb=7N=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "expired" }); // six months ahead
    expect(srsReverse("SRS0=FAKE=2V=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "bad-hash" });
    for (const malformed of ["SRS0=@example.com", "SRS0=XjO9@example.com", "SRS0=XjO9=2V@example.com", "SRS0=XjO9=2V=otherdomain.com@example.com", "SRS0=XjO9=2!=otherdomain.com=test@example.com", "SRS1=JIBX=thirddomain.com@example.com"]) {
      expect(srsReverse(malformed, postsrsd), malformed).toEqual({ ok: false, reason: "malformed" });
    }
  });
});

describe("SRS round trips", () => {
  const keys = { secret: "a long random secret", domain: "forwarder.example" };
  const now = Date.UTC(2026, 2, 3, 12);

  it("gets the original sender back, also with '=' and '+' in the local part", () => {
    for (const sender of ["alice@orig.example", "bob+tag@orig.example", "a=b@orig.example", "Mixed.Case@Orig.Example"]) {
      const rewritten = srsForward(sender, { ...keys, now })!;
      expect(rewritten).toMatch(/^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=.+@forwarder\.example$/);
      expect(srsReverse(rewritten, { ...keys, now: now + DAY })).toEqual({ ok: true, address: sender });
    }
  });

  it("survives an MTA that folds the whole address to lower or upper case", () => {
    const rewritten = srsForward("Alice.Smith@Orig.Example", { ...keys, now })!;
    expect(srsReverse(rewritten.toLowerCase(), { ...keys, now })).toEqual({ ok: true, address: "alice.smith@orig.example" });
    expect(srsReverse(rewritten.toUpperCase(), { ...keys, now })).toEqual({ ok: true, address: "ALICE.SMITH@ORIG.EXAMPLE" });
  });

  it("chains through a second forwarder with SRS1, and back hop by hop", () => {
    const first = { secret: "first secret", domain: "first.example" };
    const second = { secret: "second secret", domain: "second.example" };
    const third = { secret: "third secret", domain: "third.example" };
    const hop1 = srsForward("alice@orig.example", { ...first, now })!;
    const hop2 = srsForward(hop1, { ...second, now })!;
    const hop3 = srsForward(hop2, { ...third, now })!;
    expect(hop2).toMatch(/^SRS1=[^=]{4}=first\.example==[^=]{4}=[A-Z2-7]{2}=orig\.example=alice@second\.example$/);
    // The third forwarder still points at the first: a bounce skips the second.
    expect(hop3).toMatch(/^SRS1=[^=]{4}=first\.example==[^=]{4}=[A-Z2-7]{2}=orig\.example=alice@third\.example$/);
    expect(srsReverse(hop3, { ...third, now })).toEqual({ ok: true, address: hop1 });
    expect(srsReverse(hop2, { ...second, now })).toEqual({ ok: true, address: hop1 });
    expect(srsReverse(hop1, { ...first, now })).toEqual({ ok: true, address: "alice@orig.example" });
    // Each hop's hash is its own secret's.
    expect(srsReverse(hop3, { ...second, now })).toEqual({ ok: false, reason: "bad-hash" });
  });

  it("refuses a tampered address and another secret's", () => {
    const rewritten = srsForward("alice@orig.example", { ...keys, now })!;
    expect(srsReverse(rewritten.replace("orig.example", "evil.example"), { ...keys, now })).toEqual({ ok: false, reason: "bad-hash" });
    expect(srsReverse(rewritten.replace("=alice@", "=mallory@"), { ...keys, now })).toEqual({ ok: false, reason: "bad-hash" });
    const [tag, hash, ...rest] = rewritten.split("=");
    const otherHash = hash!.replace(/^./, (c) => (c === "A" || c === "a" ? "B" : "A"));
    expect(srsReverse([tag, otherHash, ...rest].join("="), { ...keys, now })).toEqual({ ok: false, reason: "bad-hash" });
    expect(srsReverse([tag, hash!.slice(0, 3), ...rest].join("="), { ...keys, now })).toEqual({ ok: false, reason: "bad-hash" });
    expect(srsReverse(rewritten, { ...keys, secret: "another secret", now })).toEqual({ ok: false, reason: "bad-hash" });
  });

  it("keeps accepting addresses signed with a rotated-out secret", () => {
    const rewritten = srsForward("alice@orig.example", { ...keys, now })!;
    expect(srsReverse(rewritten, { secret: "the new secret", previousSecrets: [keys.secret], now })).toEqual({ ok: true, address: "alice@orig.example" });
  });

  it("expires after maxAgeDays, across the 1024-day wrap of the stamp", () => {
    for (const start of [now, Date.UTC(2025, 9, 1)]) {
      const rewritten = srsForward("alice@orig.example", { ...keys, now: start })!;
      expect(srsReverse(rewritten, { ...keys, now: start + 21 * DAY, maxAgeDays: 21 }).ok).toBe(true);
      expect(srsReverse(rewritten, { ...keys, now: start + 22 * DAY, maxAgeDays: 21 })).toEqual({ ok: false, reason: "expired" });
      expect(srsReverse(rewritten, { ...keys, now: start + 22 * DAY, maxAgeDays: 30 }).ok).toBe(true);
      // A stamp from the future (by the reverser's clock) counts as a whole cycle old, as in libsrs2.
      expect(srsReverse(rewritten, { ...keys, now: start - DAY })).toEqual({ ok: false, reason: "expired" });
    }
    // Day 1023 → day 1024 ≡ 0: the wrap itself.
    const lastDayOfCycle = 1023 * DAY + 5;
    const wrapped = srsForward("alice@orig.example", { ...keys, now: lastDayOfCycle })!;
    expect(wrapped).toContain("=77=");
    expect(srsReverse(wrapped, { ...keys, now: lastDayOfCycle + 3 * DAY })).toEqual({ ok: true, address: "alice@orig.example" });
  });
});
