// What threading compares: Message-ID keys as real headers write them, and subjects as clients
// mangle them.
import { describe, expect, it } from "vitest";
import { parseMail, referencedIds } from "../mail-format/parse.ts";
import { messageIdKeys, normalizeSubject, participants, subjectKey } from "./thread-keys.ts";

describe("Message-ID keys", () => {
  it("takes the ids between brackets, once each, without brackets and ASCII lowercased", () => {
    expect(messageIdKeys("<A1@Example.COM>")).toEqual(["a1@example.com"]);
    expect(messageIdKeys('<a@x> (message from "Bob" of 1 May) <b@y> <A@X>')).toEqual(["a@x", "b@y"]);
    expect(messageIdKeys("<ab\r\n c@x>")).toEqual(["abc@x"]);
    // Bare ids, as some mailers write them; nothing at all from a phrase.
    expect(messageIdKeys("a@x, b@y")).toEqual(["a@x", "b@y"]);
    expect(messageIdKeys("your message of Monday")).toEqual([]);
    expect(messageIdKeys(null)).toEqual([]);
    // Only ASCII is lowercased, as SQLite's lower() in the migration does.
    expect(messageIdKeys("<ÄB@x>")).toEqual(["Äb@x"]);
    expect(messageIdKeys(`<${"x".repeat(400)}@y>`)[0]).toHaveLength(250);
  });

  it("reads References from a folded header, keeping the root and the latest of a long one", async () => {
    const raw = Buffer.from(
      "From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: Re: plan\r\nMessage-ID: <r3@remote.test>\r\n" +
        "In-Reply-To: <r2@remote.test>\r\nReferences: <root@remote.test>\r\n <r1@remote.test>\r\n\t<r2@remote.test>\r\n\r\nok\r\n",
    );
    const mail = await parseMail(raw);
    expect(mail.references).toEqual(["<root@remote.test>", "<r1@remote.test>", "<r2@remote.test>"]);
    expect(mail.inReplyTo).toBe("<r2@remote.test>");
    const long = Array.from({ length: 80 }, (_, i) => `<m${i}@x>`).join(" ");
    const kept = referencedIds(long);
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe("<m0@x>");
    expect(kept.at(-1)).toBe("<m79@x>");
    expect(referencedIds(undefined)).toEqual([]);
  });
});

describe("subjects", () => {
  it("strips reply and forward markers and list tags, in any mix, and tells a reply", () => {
    const same = [
      "Quarterly numbers",
      "Re: Quarterly numbers",
      "RE: re: Quarterly numbers",
      "Fwd: Quarterly numbers",
      "FW: Quarterly numbers",
      "AW: WG: Quarterly numbers",
      "SV: VS: Antw: Quarterly numbers",
      "RE[2]: Quarterly numbers",
      "Re(3): Quarterly numbers",
      "[finance] Re: [finance]   QUARTERLY\tnumbers ",
      "回复： Quarterly numbers",
    ];
    for (const s of same) expect(normalizeSubject(s).normalized, s).toBe("quarterly numbers");
    expect(normalizeSubject("Quarterly numbers").reply).toBe(false);
    expect(normalizeSubject("[finance] Quarterly numbers").reply).toBe(false);
    expect(normalizeSubject("[finance] Re: Quarterly numbers").reply).toBe(true);
    // Words that merely begin like a marker stay.
    expect(normalizeSubject("Rework: the plan").normalized).toBe("rework: the plan");
    expect(normalizeSubject("Svelte: a talk").normalized).toBe("svelte: a talk");
    expect(normalizeSubject("Re: ").normalized).toBe("");
  });

  it("keys only a subject with something left in it", () => {
    expect(subjectKey("")).toBeNull();
    expect(subjectKey("quarterly numbers")).toBe(subjectKey(normalizeSubject("Re: Quarterly Numbers").normalized));
    expect(subjectKey("quarterly numbers")).not.toBe(subjectKey("quarterly number"));
  });

  it("counts the people of a message apart from the mailbox's owner", () => {
    const people = participants([{ name: "", address: "Bob@Remote.test" }, { name: "", address: "ALICE@example.test" }, null, { name: "", address: "" }], "alice@example.test");
    expect([...people]).toEqual(["bob@remote.test"]);
  });
});
