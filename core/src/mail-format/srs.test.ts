import { describe, expect, it } from "vitest";
import { legacyHash } from "./srs-legacy.ts";
import { srsForward, srsReverse } from "./srs.ts";

// postsrsd's own test vectors (tests/blackbox/socketmap.py: secret "tops3cr3t", local domain
// example.com, clock at 2020-01-01 00:01:00 UTC): the format earlier versions wrote, as libsrs2 does.
const postsrsd = { secret: "tops3cr3t", domain: "example.com", now: 1577836860_000 };
const DAY = 86_400_000;

describe("SRS addresses", () => {
  it("forwards with a 10-character base32 hash, the same for the same input", () => {
    expect(srsForward("test@otherdomain.com", postsrsd)).toBe("SRS0=sukpvto2ek=2W=otherdomain.com=test@example.com");
    // Foreign SRS0 → SRS1 pointing back to that forwarder; foreign SRS1 → re-signed, same first hop.
    expect(srsForward("SRS0=opaque+string@otherdomain.com", postsrsd)).toBe("SRS1=m2szixxd2v=otherdomain.com==opaque+string@example.com");
    expect(srsForward("SRS1=X=thirddomain.com==opaque+string@otherdomain.com", postsrsd)).toBe("SRS1=siimbygz6h=thirddomain.com==opaque+string@example.com");
  });

  it("leaves alone what needs no rewriting", () => {
    expect(srsForward("test@example.com", postsrsd)).toBe("test@example.com");
    expect(srsForward("SRS0=XjO9=2V=otherdomain.com=test@EXAMPLE.com", postsrsd)).toBe("SRS0=XjO9=2V=otherdomain.com=test@EXAMPLE.com");
    expect(srsForward("foo", postsrsd)).toBeNull();
    expect(srsForward("", postsrsd)).toBeNull();
    expect(srsForward("@example.org", postsrsd)).toBeNull();
  });

  it("reverses whatever the case", () => {
    const rewritten = srsForward("Test@OtherDomain.com", postsrsd)!;
    expect(srsReverse(rewritten, postsrsd)).toEqual({ ok: true, address: "Test@OtherDomain.com" });
    expect(srsReverse(rewritten.toLowerCase(), postsrsd)).toEqual({ ok: true, address: "test@otherdomain.com" });
    expect(srsReverse(rewritten.toUpperCase(), postsrsd)).toEqual({ ok: true, address: "TEST@OTHERDOMAIN.COM" });
    const long = srsForward(`test@${"a".repeat(478)}.net`, postsrsd)!;
    expect(srsReverse(long, postsrsd)).toEqual({ ok: true, address: `test@${"a".repeat(478)}.net` });
  });

  it("cannot be moved along the '=' between fields: each split hashes differently", () => {
    const keys = { secret: "a long random secret", now: postsrsd.now };
    // The reported forgery: a forward from bank@remote.test must not also read as tbank@remote.tes …
    const bank = srsForward("bank@remote.test", { ...keys, domain: "ours.example" })!;
    const [, hash, stamp] = bank.split("=");
    expect(srsReverse(`SRS0=${hash}=${stamp}=remote.tes=tbank@ours.example`, keys)).toEqual({ ok: false, reason: "bad-hash" });
    // … and one from get@gmail.comtar not as target@gmail.com (the shift the other way).
    const get = srsForward("get@gmail.comtar", { ...keys, domain: "ours.example" })!;
    const [, hash2, stamp2] = get.split("=");
    expect(srsReverse(`SRS0=${hash2}=${stamp2}=gmail.com=target@ours.example`, keys)).toEqual({ ok: false, reason: "bad-hash" });
    // Nor the stamp into the host, nor the host of an SRS1 into its opaque part.
    expect(srsReverse(`SRS0=${hash}=${stamp}r=emote.test=bank@ours.example`, keys)).toEqual({ ok: false, reason: "malformed" });
    const srs1 = srsForward("SRS0=abcd=2W=x.example=u@first.example", { ...keys, domain: "ours.example" })!;
    const [, hash3] = srs1.split("=");
    expect(srsReverse(`SRS1=${hash3}=first.exampl=e=abcd=2W=x.example=u@ours.example`, keys)).toEqual({ ok: false, reason: "bad-hash" });
    // An SRS0 hash is not an SRS1 hash of the same characters.
    expect(srsReverse(`SRS1=${hash}=${stamp}=remote.test=bank@ours.example`, keys)).toEqual({ ok: false, reason: "bad-hash" });
  });

  it("refuses a hash cut short or padded, and what is not SRS", () => {
    const rewritten = srsForward("alice@orig.example", postsrsd)!;
    const [tag, hash, ...rest] = rewritten.split("=");
    for (const wrong of [hash!.slice(0, 4), hash!.slice(0, 9), `${hash}a`, "aaaaaaaaaa"]) {
      expect(srsReverse([tag, wrong, ...rest].join("="), postsrsd), wrong).toEqual({ ok: false, reason: "bad-hash" });
    }
    expect(srsReverse("test@example.com", postsrsd)).toEqual({ ok: false, reason: "not-srs" });
    for (const malformed of ["SRS0=@example.com", "SRS0=XjO9@example.com", "SRS0=XjO9=2V@example.com", "SRS0=XjO9=2V=otherdomain.com@example.com", "SRS0=XjO9=2!=otherdomain.com=test@example.com", "SRS1=JIBX=thirddomain.com@example.com"]) {
      expect(srsReverse(malformed, postsrsd), malformed).toEqual({ ok: false, reason: "malformed" });
    }
  });
});

describe("addresses of the old format (libsrs2's, written by earlier versions)", () => {
  it("verify only as legacy: the caller must show we issued them", () => {
    expect(srsReverse("SRS0=XjO9=2V=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "legacy", address: "test@otherdomain.com" });
    expect(srsReverse("srs0=xjo9=2v=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "legacy", address: "test@otherdomain.com" });
    expect(srsReverse("SRS1=JIBX=thirddomain.com==opaque+string@example.com", postsrsd)).toEqual({ ok: false, reason: "legacy", address: "SRS0=opaque+string@thirddomain.com" });
    expect(srsReverse(`SRS0=iCvJ=2W=${"a".repeat(478)}.net=test@example.com`, postsrsd)).toEqual({ ok: false, reason: "legacy", address: `test@${"a".repeat(478)}.net` });
  });

  it("still expire, and a wrong hash is still wrong", () => {
    expect(srsReverse("SRS0=te87=T7=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "expired" }); // six months old
    expect(srsReverse("SRS0=VcIb=7N=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "expired" }); // six months ahead
    expect(srsReverse("SRS0=FAKE=2V=otherdomain.com=test@example.com", postsrsd)).toEqual({ ok: false, reason: "bad-hash" });
  });

  it("are why: the old hash verifies the same characters split differently", () => {
    const fields = ["2W", "remote.test", "bank"];
    const genuine = `SRS0=${legacyHash(postsrsd.secret, ...fields)}=2W=remote.test=bank@example.com`;
    const shifted = genuine.replace("=remote.test=bank@", "=remote.tes=tbank@");
    expect(srsReverse(shifted, postsrsd)).toEqual({ ok: false, reason: "legacy", address: "tbank@remote.tes" });
  });
});

describe("SRS round trips", () => {
  const keys = { secret: "a long random secret", domain: "forwarder.example" };
  const now = Date.UTC(2026, 2, 3, 12);

  it("gets the original sender back, also with '=' and '+' in the local part", () => {
    for (const sender of ["alice@orig.example", "bob+tag@orig.example", "a=b@orig.example", "Mixed.Case@Orig.Example"]) {
      const rewritten = srsForward(sender, { ...keys, now })!;
      expect(rewritten).toMatch(/^SRS0=[a-z2-7]{10}=[A-Z2-7]{2}=.+@forwarder\.example$/);
      expect(srsReverse(rewritten, { ...keys, now: now + DAY })).toEqual({ ok: true, address: sender });
    }
  });

  it("chains through a second forwarder with SRS1, and back hop by hop", () => {
    const first = { secret: "first secret", domain: "first.example" };
    const second = { secret: "second secret", domain: "second.example" };
    const third = { secret: "third secret", domain: "third.example" };
    const hop1 = srsForward("alice@orig.example", { ...first, now })!;
    const hop2 = srsForward(hop1, { ...second, now })!;
    const hop3 = srsForward(hop2, { ...third, now })!;
    expect(hop2).toMatch(/^SRS1=[a-z2-7]{10}=first\.example==[a-z2-7]{10}=[A-Z2-7]{2}=orig\.example=alice@second\.example$/);
    // The third forwarder still points at the first: a bounce skips the second.
    expect(hop3).toMatch(/^SRS1=[a-z2-7]{10}=first\.example==[a-z2-7]{10}=[A-Z2-7]{2}=orig\.example=alice@third\.example$/);
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
    const otherHash = hash!.replace(/^./, (c) => (c === "a" ? "b" : "a"));
    expect(srsReverse([tag, otherHash, ...rest].join("="), { ...keys, now })).toEqual({ ok: false, reason: "bad-hash" });
    expect(srsReverse(rewritten, { ...keys, secret: "another secret", now })).toEqual({ ok: false, reason: "bad-hash" });
  });

  it("keeps accepting addresses signed with a rotated-out secret", () => {
    const rewritten = srsForward("alice@orig.example", { ...keys, now })!;
    expect(srsReverse(rewritten, { secret: "the new secret", previousSecrets: [keys.secret], now })).toEqual({ ok: true, address: "alice@orig.example" });
  });

  it("expires after maxAgeDays (21 unless told), across the 1024-day wrap of the stamp", () => {
    for (const start of [now, Date.UTC(2025, 9, 1)]) {
      const rewritten = srsForward("alice@orig.example", { ...keys, now: start })!;
      expect(srsReverse(rewritten, { ...keys, now: start + 21 * DAY }).ok).toBe(true);
      expect(srsReverse(rewritten, { ...keys, now: start + 22 * DAY })).toEqual({ ok: false, reason: "expired" });
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
