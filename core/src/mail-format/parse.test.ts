// The snippet: the first characters of the text with whitespace collapsed, whatever the text's size
// and however much whitespace it starts with.
import { describe, expect, it } from "vitest";
import { limits } from "../../../shared/limits.ts";
import { makeSnippet } from "./parse.ts";

const whole = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, limits.snippetLength);

describe("makeSnippet", () => {
  it("is what collapsing the whole text gives, for texts of every shape", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ["word", " ", "\r\n", "\t", "      ", "\n\n\n\n", "é", "😀", "x".repeat(150), " ".repeat(900)];
    for (let n = 0; n < 500; n++) {
      const text = Array.from({ length: Math.floor(random() * 60) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      expect(makeSnippet(text, null)).toBe(whole(text));
    }
    for (const text of ["", "   ", " a ", "a".repeat(200), "a".repeat(200) + " ", "a".repeat(199) + "   b", " ".repeat(5000) + "late start " + "y".repeat(300)]) {
      expect(makeSnippet(text, null)).toBe(whole(text));
    }
  });

  it("is the same for a long text", () => {
    const text = "Quarterly numbers look fine.\r\n".repeat(200_000);
    expect(makeSnippet(text, null)).toBe(whole(text));
    expect(makeSnippet(text, null)).toHaveLength(limits.snippetLength);
  });

  it("falls back to the HTML's visible text", () => {
    expect(makeSnippet(null, "<p>Hello <b>there</b></p>\n<p>again</p>")).toMatch(/^Hello there\s?again$/);
  });
});
