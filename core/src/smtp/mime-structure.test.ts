// The scan before 250 against crafted structures, and against the parser it protects: whatever it
// lets through, postal-mime must not find more parts or attachments in.
import { describe, expect, it } from "vitest";
import { parseMail } from "../mail-format/parse.ts";
import { mimeLimitExceeded, type MimeLimits } from "./mime-structure.ts";

const LIMITS: MimeLimits = { maxParts: 1000, maxDepth: 50, maxAttachments: 250 };
const head = (contentType: string) => `From: a@remote.test\r\nTo: b@example.test\r\nSubject: structure\r\nMIME-Version: 1.0\r\nContent-Type: ${contentType}\r\n\r\n`;
const textPart = (b: string, i: number) => `--${b}\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`;
const filePart = (b: string, i: number) => `--${b}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nAAAA\r\n`;

function multipart(n: number, part = textPart, contentType = 'multipart/mixed; boundary="b"', b = "b", close = true): Buffer {
  let s = head(contentType);
  for (let i = 0; i < n; i++) s += part(b, i);
  return Buffer.from(s + (close ? `--${b}--\r\n` : ""));
}

function nested(levels: number): Buffer {
  let s = head('multipart/mixed; boundary="n0"');
  for (let i = 1; i < levels; i++) s += `--n${i - 1}\r\nContent-Type: multipart/mixed; boundary="n${i}"\r\n\r\n`;
  s += `--n${levels - 1}\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n`;
  for (let i = levels - 1; i >= 0; i--) s += `--n${i}--\r\n`;
  return Buffer.from(s);
}

const check = (message: Buffer, limits: Partial<MimeLimits> = {}) => mimeLimitExceeded(message, { ...LIMITS, ...limits });

describe("MIME structure limits", () => {
  it("counts every part, the message and the multipart included", () => {
    expect(check(multipart(998))).toBeNull(); // 998 parts + the multipart message = 999
    expect(check(multipart(999))).toBeNull();
    expect(check(multipart(999), { maxParts: 999 })).toEqual({ limit: "parts", max: 999 });
    expect(check(multipart(100_000))).toEqual({ limit: "parts", max: 1000 });
  });

  it("measures nesting of multiparts and of attached messages", () => {
    expect(check(nested(50))).toBeNull();
    expect(check(nested(51))).toEqual({ limit: "depth", max: 50 });
    // Each attached message/rfc822 is a level too, its own parts one more.
    let s = "Subject: innermost\r\n\r\nhi\r\n";
    for (let i = 0; i < 30; i++) s = `${head(`multipart/mixed; boundary="m${i}"`)}--m${i}\r\nContent-Type: message/rfc822\r\n\r\n${s}--m${i}--\r\n`;
    expect(check(Buffer.from(s))).toEqual({ limit: "depth", max: 50 });
    expect(check(Buffer.from(s), { maxDepth: 90 })).toBeNull();
  });

  it("counts attachments as the parser does: files and non-text parts, not the text bodies", () => {
    expect(check(multipart(250, filePart))).toBeNull();
    expect(check(multipart(251, filePart))).toEqual({ limit: "attachments", max: 250 });
    const inlineImages = (b: string, i: number) => `--${b}\r\nContent-Type: image/png\r\nContent-ID: <i${i}>\r\n\r\niVBO\r\n`;
    expect(check(multipart(251, inlineImages, 'multipart/related; boundary="b"'))).toEqual({ limit: "attachments", max: 250 });
    const textAttachment = (b: string, i: number) => `--${b}\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=n${i}.txt\r\n\r\nnote\r\n`;
    expect(check(multipart(251, textAttachment))).toEqual({ limit: "attachments", max: 250 });
    expect(check(multipart(900, textPart))).toBeNull();
  });

  it("does not count boundary-like lines in a body that are no enclosing multipart's delimiter", async () => {
    const fake = "--fake\r\nContent-Type: multipart/mixed; boundary=fake\r\n\r\n--bx\r\n--b-\r\n--b--x\r\n-- b\r\n".repeat(2000);
    const body = `--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nQuoted=\r\n-printable text:\r\n${fake}--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n`;
    const message = Buffer.from(head('multipart/alternative; boundary="b"') + body);
    expect(check(message, { maxParts: 3 })).toBeNull();
    const parsed = await parseMail(message);
    expect(parsed.attachments).toHaveLength(0);
    expect(parsed.text).toContain("--fake");
  });

  it("measures an unterminated multipart as far as it goes, and refuses nothing for being malformed", () => {
    expect(check(multipart(20, filePart, 'multipart/mixed; boundary="b"', "b", false))).toBeNull();
    expect(check(multipart(2000, textPart, 'multipart/mixed; boundary="b"', "b", false))).toEqual({ limit: "parts", max: 1000 });
    expect(check(Buffer.from(head("multipart/mixed") + "--b\r\n\r\nno boundary declared\r\n"))).toBeNull();
    expect(check(Buffer.from("no header at all"))).toBeNull();
  });

  it("finds the boundary however the parser would read it: quoted, commented, split by RFC 2231, repeated", async () => {
    const variants = [
      ["multipart/mixed; boundary=\"a b\\\"c\"", 'a b"c'],
      ["multipart/mixed (a comment; boundary=x); boundary=plain", "plain"],
      ["multipart/mixed;\r\n boundary*0=\"ab\";\r\n boundary*1=\"cd\"", "abcd"],
      ["multipart/mixed; boundary*=utf-8''a%20b", "a b"],
      ["multipart/mixed; boundary=first; boundary=second", "first"],
      ['MULTIPART/Mixed; BOUNDARY = "spaced" ', "spaced"],
      ["multipart/mixed; flag; boundary=afterflag", "afterflag"],
    ] as const;
    for (const [contentType, boundary] of variants) {
      const message = multipart(260, filePart, contentType, boundary);
      expect(check(message), contentType).toEqual({ limit: "attachments", max: 250 });
      // The parser finds them all too: the scan saw what it will see.
      expect((await parseMail(message)).attachments, contentType).toHaveLength(260);
    }
  });

  it("measures a message/rfc822 part sent base64 or quoted-printable, which the parser decodes and reads", () => {
    const inner = multipart(1200).toString("latin1");
    const encodedPart = (encoding: string, body: string, disposition = "") =>
      Buffer.from(`${head('multipart/mixed; boundary="o"')}--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: ${encoding}\r\n${disposition}\r\n${body}\r\n--o--\r\n`);
    const base64 = Buffer.from(inner, "latin1").toString("base64").replace(/.{76}/g, "$&\r\n");
    expect(check(encodedPart("base64", base64))).toEqual({ limit: "parts", max: 1000 });
    const qp = inner.replace(/=/g, "=3D").replace(/\r\n/g, "=0D=0A=\r\n");
    expect(check(encodedPart("quoted-printable", qp))).toEqual({ limit: "parts", max: 1000 });
    expect(check(encodedPart("(as the parser reads it) Base64", base64))).toEqual({ limit: "parts", max: 1000 });
    // As an attachment the parser keeps it whole: one attachment, nothing inside counted.
    expect(check(encodedPart("base64", base64, "Content-Disposition: attachment; filename=fwd.eml\r\n"))).toBeNull();
  });

  it("reads the parts of a multipart/digest as messages, as RFC 2046 §5.1.5 and the parser do", () => {
    let s = head('multipart/digest; boundary="d"');
    for (let i = 0; i < 3; i++) s += `--d\r\n\r\n${multipart(400).toString("latin1").replace(/"b"/g, `"b${i}"`).replace(/--b/g, `--b${i}`)}`;
    expect(check(Buffer.from(s + "--d--\r\n"))).toEqual({ limit: "parts", max: 1000 });
  });
});
