// Attachments' text for the index: text kinds decoded, HTML as visible text, PDFs read by PDF.js in
// their own thread with a time limit, other kinds skipped.
import { afterAll, describe, expect, it } from "vitest";
import { textPdf } from "../../../test/support/pdf.ts";
import { attachmentText } from "./attachment-text.ts";
import { PdfText } from "./pdf-text.ts";

const pdf = new PdfText();
afterAll(() => pdf.close());

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("attachment text", () => {
  it("reads text attachments, HTML as a reader sees it", async () => {
    expect(await attachmentText({ filename: "notes.txt", contentType: "text/plain", bytes: bytes("minutes: café") }, pdf)).toBe("minutes: café");
    expect(await attachmentText({ filename: "page.html", contentType: "text/html", bytes: bytes("<style>x{}</style><p>Hello <b>wor</b>ld</p>") }, pdf)).toBe("Hello world");
    expect(await attachmentText({ filename: "data.csv", contentType: "application/octet-stream", bytes: bytes("a,b\n1,2") }, pdf)).toBe("a,b\n1,2");
    expect(await attachmentText({ filename: "photo.jpg", contentType: "image/jpeg", bytes: bytes("\xff\xd8\xff") }, pdf)).toBeNull();
  });

  it("reads the text of PDFs, and gives up on what is not one", async () => {
    const text = await attachmentText({ filename: "plan.pdf", contentType: "application/pdf", bytes: textPdf(["Quarterly revenue forecast", "Café (draft)"]) }, pdf);
    expect(text?.replace(/\s+/g, " ").trim()).toBe("Quarterly revenue forecast Café (draft)");
    expect(await attachmentText({ filename: "broken.pdf", contentType: "application/pdf", bytes: bytes("%PDF-1.4 not really") }, pdf)).toBeNull();
  });

  it("ends a PDF reader that takes too long, and reads the next PDF with a new one", async () => {
    // A reader that has not started yet (PDF.js takes tens of milliseconds to load) cannot answer in 1 ms.
    const cold = new PdfText();
    expect(await cold.extract(textPdf(["too slow"]), 1000, 1)).toBeNull();
    expect((await cold.extract(textPdf(["second try"]), 1000))?.trim()).toBe("second try");
    await cold.close();
  });
});
