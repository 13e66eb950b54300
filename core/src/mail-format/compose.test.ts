// The copy that leaves: Bcc removed, and nothing else touched.
import { describe, expect, it } from "vitest";
import { withoutBcc } from "./compose.ts";

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
