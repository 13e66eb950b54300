// The copy that leaves: Bcc removed, and nothing else touched.
import { describe, expect, it } from "vitest";
import { compileMessage, composeMessage, sevenBitTextPart, withoutBcc, type ComposeInput } from "./compose.ts";

describe("withoutBcc", () => {
  it("removes a Bcc header with its folded lines, and only it", () => {
    const raw = Buffer.from("From: a@example.test\r\nBcc: b@example.test,\r\n c@example.test\r\nTo: d@example.test\r\n\r\nbcc: not a header\r\n");
    expect(withoutBcc(raw).toString()).toBe("From: a@example.test\r\nTo: d@example.test\r\n\r\nbcc: not a header\r\n");
  });

  it("gives back the same buffer when there is no Bcc (the pipeline then stores the bytes once)", () => {
    // Bytes that are not UTF-8 in the header stay as they were.
    const raw = Buffer.concat([Buffer.from("From: a@example.test\r\nSubject: "), Buffer.from([0xe9, 0xff]), Buffer.from("\r\n\r\nBcc: in the body\r\n")]);
    expect(withoutBcc(raw)).toBe(raw);
  });
});

describe("composeMessage without nodemailer's streams", () => {
  const base = { messageId: "01900000-0000-7000-8000-000000000000", createdAt: Date.UTC(2026, 11, 8, 2, 40, 32, 123), from: { address: "s1@bench.test" }, attachments: [], replyTo: null };
  const input = (message: Partial<ComposeInput["message"]>, more: Partial<ComposeInput> = {}): ComposeInput => ({ ...base, ...more, message: { to: ["r1@remote.test"], cc: [], bcc: [], subject: "", ...message } });
  const line = "Quarterly numbers look fine; the details are below, as agreed.\r\n";
  // Every text part nodemailer writes as it is must come out byte for byte as nodemailer's streams write it.
  const sevenBit: [string, ComposeInput][] = [
    ["a 5 KB note", input({ subject: "bench r1-api-1 end", text: line.repeat(78) })],
    ["bare LF line ends, no final one", input({ text: "a\nb" })],
    ["a final LF", input({ text: "a\n" })],
    ["a final CR", input({ text: "a\r" })],
    ["a lone CR inside", input({ text: "a\rb" })],
    ["one space", input({ text: " " })],
    ["dots and From at line starts", input({ text: ".\r\nFrom me\r\n..\r\n" })],
    ["a tab, a line of 76", input({ text: `a\tb\r\n${"x".repeat(76)}` })],
    ["names, cc, bcc, a folded To", input({ to: [{ name: "Bob Example", address: "bob@remote.test" }, ...Array.from({ length: 6 }, (_, i) => `long-recipient-${i}@remote.test`)], cc: ["c@x.test"], bcc: [{ name: "Zoë", address: "z@y.test" }], subject: "Re: hello, world! (ok)?", text: "x" })],
    ["an encoded, folded subject and a sender's name", input({ subject: `Grüße: ${"word ".repeat(30)}=?x?= "q" <e>`, text: "hi" }, { from: { name: "Ann \"the\" Sender", address: "ann@bench.test" } })],
    ["a reply", input({ text: "see below" }, { replyTo: { messageIdHeader: "<a@x.test>", references: ["<r@x.test>"] } })],
  ];
  it.each(sevenBit)("%s: the same bytes as nodemailer's", async (_, i) => {
    const fast = sevenBitTextPart(await compileMessage(i));
    expect(fast).not.toBeNull();
    expect(fast!.toString("latin1")).toBe((await (await compileMessage(i)).build()).toString("latin1"));
    expect(await composeMessage(i)).toEqual(fast);
  });

  // Whatever needs an encoding, or is more than one part, is nodemailer's to write.
  const others: [string, ComposeInput][] = [
    ["a line of 77", input({ text: "x".repeat(77) })],
    ["non-ASCII text", input({ text: "Grüße" })],
    ["a control character", input({ text: "x\f" })],
    ["no text", input({})],
    ["empty text", input({ text: "" })],
    ["HTML beside the text", input({ text: "x", html: "<p>x</p>" })],
    ["an attachment", input({ text: "x" }, { attachments: [{ filename: "a.txt", contentType: "text/plain", content: Buffer.from("a") }] })],
  ];
  it.each(others)("%s: built by nodemailer", async (_, i) => {
    expect(sevenBitTextPart(await compileMessage(i))).toBeNull();
    expect((await composeMessage(i)).toString("latin1")).toBe((await (await compileMessage(i)).build()).toString("latin1"));
  });
});
