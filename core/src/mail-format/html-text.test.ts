// The text of HTML as a reader sees it, with the word-splitting tricks undone.
import { describe, expect, it } from "vitest";
import { htmlVisibleText } from "./html-text.ts";

describe("htmlVisibleText", () => {
  it("joins words split by comments and empty inline tags, and separates blocks", () => {
    expect(htmlVisibleText("<p>V<!-- x -->ia<b></b>gra</p><p>now</p>")).toBe("Viagra now");
    expect(htmlVisibleText("<table><tr><td>one</td><td>two</td></tr></table>")).toBe("one two");
  });

  it("drops head, style and script, and decodes entities", () => {
    const html = "<html><head><title>T</title><style>p{color:red}</style></head><body><script>x()</script>Fish &amp; chips &#8364;5&nbsp;&#x2013; &hellip;</body></html>";
    expect(htmlVisibleText(html)).toBe("Fish & chips €5 – …");
  });
});
