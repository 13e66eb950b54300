// Reading the header section straight from the bytes: folding, encoded words, bare-LF mail.
import { describe, expect, it } from "vitest";
import { firstField, headerEnd, readHeaderFields } from "./header-fields.ts";

describe("readHeaderFields", () => {
  it("unfolds, lower-cases names and decodes encoded words", () => {
    const raw = Buffer.from(
      "Received: from a.example (a.example [192.0.2.1])\r\n\tby mx.example; Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
        "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus Berlin\r\n" +
        "X-Empty:\r\n" +
        "\r\n" +
        "Body: not a header\r\n",
    );
    const fields = readHeaderFields(raw);
    expect(fields).toEqual([
      { name: "received", value: "from a.example (a.example [192.0.2.1]) by mx.example; Mon, 2 Mar 2026 10:00:00 +0000" },
      { name: "subject", value: "Grüße aus Berlin" },
      { name: "x-empty", value: "" },
    ]);
    expect(firstField(fields, "subject")).toBe("Grüße aus Berlin");
    expect(firstField(fields, "date")).toBeNull();
  });

  it("reads bare-LF mail and skips lines that are not fields", () => {
    const raw = Buffer.from("From sender@example Mon Mar  2 10:00:00 2026\nFrom: a@example.test\nnot a field\nTo: b@example.test\n\nbody\n");
    expect(readHeaderFields(raw).map((f) => f.name)).toEqual(["from", "to"]);
    expect(raw.subarray(0, headerEnd(raw)).toString()).not.toContain("body");
  });

  it("keeps a broken encoded word as written", () => {
    expect(readHeaderFields(Buffer.from("Subject: =?bogus?Q?=ZZ?= hi\r\n\r\n"))[0]!.value).toContain("hi");
  });
});
